// Faster progress for the import page. Without JavaScript the page refreshes itself every
// 2 seconds (a <meta> refresh inside <noscript>); with it, the bar is updated in place twice
// a second, and the page reloads once the import is finished to show the summary.
(function () {
  "use strict";
  var bar = document.getElementById("progress");
  if (!bar || !window.fetch || !window.DOMParser) {
    return;
  }
  function tick() {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        var nextBar = next.getElementById("progress");
        if (!nextBar) {
          window.location.reload();
          return;
        }
        bar.max = nextBar.max;
        bar.value = nextBar.value;
        bar.textContent = nextBar.textContent;
        var text = document.getElementById("progress-text");
        var nextText = next.getElementById("progress-text");
        if (text && nextText) {
          text.textContent = nextText.textContent;
        }
        window.setTimeout(tick, 500);
      })
      .catch(function () { window.setTimeout(tick, 2000); });
  }
  window.setTimeout(tick, 500);
})();
