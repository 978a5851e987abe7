// Chapters and transcript times seek the episode's player. Without this script each one is
// still a link to "#t=<seconds>", which this page reads on load too (a transcript line links
// here that way). No inline script: the Content-Security-Policy allows files from /static/.
(function () {
  "use strict";
  function seek(seconds) {
    var player = document.querySelector("video, audio"); // a video's page seeks its video
    if (!player || !isFinite(seconds)) return;
    var start = function () {
      player.currentTime = seconds;
      var playing = player.play();
      if (playing && playing.catch) playing.catch(function () {}); // autoplay may be refused
    };
    if (player.readyState >= 1) start();
    else player.addEventListener("loadedmetadata", start, { once: true });
    if (player.preload === "none") player.load();
  }
  function fromHash() {
    var match = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
    if (match) seek(parseFloat(match[1]));
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-seek]") : null;
    if (!link) return;
    event.preventDefault();
    seek(parseFloat(link.getAttribute("data-seek")));
    history.replaceState(null, "", "#t=" + link.getAttribute("data-seek"));
  });
  window.addEventListener("hashchange", fromHash);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fromHash);
  else fromHash();
})();
