// The site's JavaScript: Bootstrap's collapse (the navigation bars' menu buttons, data-bs-toggle="collapse" —
// the only Bootstrap plugin the templates use), from Bootstrap's ES modules (npm "bootstrap", pinned), and our
// row buttons (static/js/rows.js). Bundled by scripts/build-assets (esbuild) into static/dist/site.js.
import "bootstrap/js/src/collapse.js";
import "../static/js/rows.js";
