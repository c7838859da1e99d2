/* parkmap web maps on a phone: the map first, the controls one tap away.
 *
 * Written for parkmap (MIT). Plain Leaflet 1.9. On a narrow screen (at most
 * ``options.maxWidth`` CSS pixels, or a touch screen at most ``options.maxTouchWidth``
 * wide), the layer control starts as its button, the area panel, the legend and the
 * notes start as one-line sheets that open on a tap, and opening one closes the
 * others, so at most one covers the map. Touch targets are 44 CSS pixels (the size
 * Apple's and the W3C's accessibility guidance ask for).
 */
var parkmapPhone = (function () {
  "use strict";

  function isPhone(options) {
    var narrow = window.matchMedia("(max-width: " + options.maxWidth + "px)").matches;
    var touch = window.matchMedia("(pointer: coarse)").matches;
    var small = window.matchMedia("(max-width: " + options.maxTouchWidth + "px)").matches;
    return narrow || (touch && small);
  }

  function wrap(box, label) {
    // Everything in a box goes into one <details> whose summary is ``label``.
    if (!box || !box.childNodes.length) {
      return null;
    }
    var first = box.firstElementChild;
    if (box.children.length === 1 && first && first.tagName === "DETAILS") {
      return first;
    }
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = label;
    details.appendChild(summary);
    while (box.firstChild) {
      details.appendChild(box.firstChild);
    }
    box.appendChild(details);
    return details;
  }

  function apply(map, layers, options) {
    var container = map.getContainer();
    if (!isPhone(options)) {
      return false;
    }
    L.DomUtil.addClass(container, "parkmap-phone");
    var panel = container.querySelector(".parkmap-panel");
    var heading = panel && panel.querySelector("h3");
    var all = [
      wrap(panel, heading ? heading.textContent : options.labels.panel),
      wrap(container.querySelector(".parkmap-legend"), options.labels.legend),
      wrap(container.querySelector(".parkmap-note"), options.labels.notes),
    ].filter(Boolean);
    if (layers) {
      layers.collapse();
      map.on("click", function () {
        layers.collapse();
      });
    }
    all.forEach(function (details) {
      details.open = false;
      L.DomUtil.addClass(details, "parkmap-sheet");
      details.addEventListener("toggle", function () {
        if (!details.open) {
          return;
        }
        if (layers) {
          layers.collapse();
        }
        all.forEach(function (other) {
          if (other !== details) {
            other.open = false;
          }
        });
      });
    });
    if (layers) {
      layers.getContainer().addEventListener("click", function () {
        all.forEach(function (details) {
          details.open = false;
        });
      });
    }
    map.invalidateSize();
    return true;
  }

  return { apply: apply, isPhone: isPhone };
})();
