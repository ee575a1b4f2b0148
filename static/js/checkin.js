// The door page: scan QR codes with the device's camera where the browser has BarcodeDetector
// (Chrome on Android, for example); everywhere else the code is typed or read by a USB scanner.
(function () {
  "use strict";
  const form = document.querySelector(".checkin-form");
  const code = document.getElementById("code");
  const box = document.querySelector(".camera");
  const counter = document.getElementById("arrivals");
  if (counter) {
    // A live count of arrivals from all doors.
    setInterval(async function () {
      try {
        const response = await fetch(counter.dataset.countUrl, {credentials: "same-origin"});
        if (!response.ok) return;
        const data = await response.json();
        counter.textContent = counter.textContent.replace(/\d+(\D+)\d+/, data.arrived + "$1" + data.confirmed);
      } catch (error) { /* offline for a moment: keep the last count */ }
    }, 10000);
  }
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
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
        code.value = found[0].rawValue;
        video.srcObject.getTracks().forEach(function (track) { track.stop(); });
        form.submit();
        return;
      }
      requestAnimationFrame(look);
    };
    look();
  });
})();
