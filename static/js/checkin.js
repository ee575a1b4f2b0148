// The door page: scan QR codes with the device's camera where the browser has BarcodeDetector
// (Chrome on Android, for example). Elsewhere (iPhones) the phone's own camera app opens the URL in the
// QR code, a USB scanner types it into the search field, or the code is typed. Everything works without this.
(function () {
  "use strict";
  const form = document.querySelector(".checkin-form");
  const field = document.getElementById("q");
  const box = document.querySelector(".camera");
  const counter = document.getElementById("arrivals");
  if (counter) {
    // A live count of arrivals from all doors.
    setInterval(async function () {
      try {
        const response = await fetch(counter.dataset.countUrl, {credentials: "same-origin"});
        if (!response.ok) return;
        const data = await response.json();
        counter.firstChild.textContent = counter.firstChild.textContent.replace(
          /\d+(\D+)\d+/, data.arrived + "$1" + data.confirmed);
      } catch (error) { /* offline for a moment: keep the last count */ }
    }, 10000);
  }
  if (!box || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  box.hidden = false;
  document.getElementById("camera-start").addEventListener("click", async function () {
    const video = document.getElementById("camera");
    const detector = new window.BarcodeDetector({formats: ["qr_code"]});
    video.srcObject = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    video.hidden = false;
    await video.play();
    const look = async function () {
      const found = await detector.detect(video).catch(function () { return []; });
      if (found.length) {
        video.srcObject.getTracks().forEach(function (track) { track.stop(); });
        // The QR code holds the door URL with ?code=…; the server reads the code out of it (GET: shows only).
        field.value = found[0].rawValue;
        form.submit();
        return;
      }
      requestAnimationFrame(look);
    };
    look();
  });
})();
