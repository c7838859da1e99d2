/* parkmap web-map helpers: layers, legend, panels, fullscreen and measure controls.
 *
 * Written for parkmap (MIT). Plain Leaflet 1.9, no other library, so the same code runs
 * online and inlined in an offline map. Every string that reaches innerHTML here was
 * HTML-escaped in Python (the parkmap.maps package); numbers are written with textContent.
 */
var parkmap = (function () {
  "use strict";

  var ICON_FULLSCREEN =
    '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">' +
    '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" ' +
    'stroke-width="2"/></svg>';
  var ICON_MEASURE =
    '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">' +
    '<path d="M1 11l10-10 4 4-10 10z" fill="none" stroke="#333" stroke-width="1.5"/>' +
    '<path d="M4 8l2 2M6 6l1.5 1.5M8 4l2 2M10 2l1.5 1.5" stroke="#333" stroke-width="1.2"/>' +
    "</svg>";

  function box(map, position, className, html) {
    var Box = L.Control.extend({
      options: { position: position },
      onAdd: function () {
        var div = L.DomUtil.create("div", "parkmap-box " + className);
        div.innerHTML = html;
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      },
    });
    var control = new Box();
    map.addControl(control);
    return control.getContainer();
  }

  function fullscreen(map, labels) {
    var Full = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var bar = L.DomUtil.create("div", "leaflet-bar parkmap-fullscreen");
        var link = L.DomUtil.create("a", "", bar);
        link.href = "#";
        link.title = labels.fullscreen;
        link.setAttribute("role", "button");
        link.setAttribute("aria-label", labels.fullscreen);
        link.innerHTML = ICON_FULLSCREEN;
        L.DomEvent.on(link, "click", function (e) {
          L.DomEvent.stop(e);
          var container = map.getContainer();
          var current = document.fullscreenElement || document.webkitFullscreenElement;
          if (current) {
            (document.exitFullscreen || document.webkitExitFullscreen).call(document);
            return;
          }
          if (L.DomUtil.hasClass(container, "parkmap-pseudo-fullscreen")) {
            L.DomUtil.removeClass(container, "parkmap-pseudo-fullscreen");
            map.invalidateSize();
            return;
          }
          var request = container.requestFullscreen || container.webkitRequestFullscreen;
          var fallback = function () {
            // Fullscreen refused (e.g. inside an intranet page's iframe): fill the window.
            L.DomUtil.addClass(container, "parkmap-pseudo-fullscreen");
            map.invalidateSize();
          };
          if (!request) {
            fallback();
            return;
          }
          var result = request.call(container);
          if (result && result.catch) {
            result.catch(fallback);
          }
        });
        var changed = function () {
          map.invalidateSize();
        };
        document.addEventListener("fullscreenchange", changed);
        document.addEventListener("webkitfullscreenchange", changed);
        return bar;
      },
    });
    map.addControl(new Full());
  }

  function geodesicArea(points) {
    // Area on the sphere of radius 6378137 m (as Leaflet.draw's GeometryUtil), m².
    var d2r = Math.PI / 180;
    var radius = 6378137;
    var area = 0;
    for (var i = 0; i < points.length; i++) {
      var p1 = points[i];
      var p2 = points[(i + 1) % points.length];
      area += (p2.lng - p1.lng) * d2r * (2 + Math.sin(p1.lat * d2r) + Math.sin(p2.lat * d2r));
    }
    return Math.abs((area * radius * radius) / 2);
  }

  function formatNumber(value, digits) {
    return value.toLocaleString("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  }

  function measure(map, labels, m2PerMu) {
    var active = false;
    var points = [];
    var drawn = L.layerGroup();
    var panel;
    var link;

    function line(text, value) {
      var row = L.DomUtil.create("div", "parkmap-measure-row", panel);
      L.DomUtil.create("span", "parkmap-measure-label", row).textContent = text;
      L.DomUtil.create("span", "parkmap-measure-value", row).textContent = value;
    }

    function render() {
      drawn.clearLayers();
      panel.innerHTML = "";
      panel.style.display = active || points.length ? "block" : "none";
      if (points.length > 1) {
        L.polyline(points, { color: "#C2185B", weight: 2, dashArray: "5 4", interactive: false })
          .addTo(drawn);
      }
      if (points.length > 2) {
        L.polygon(points, {
          color: "#C2185B",
          weight: 0,
          fillOpacity: 0.15,
          interactive: false,
        }).addTo(drawn);
      }
      points.forEach(function (p) {
        L.circleMarker(p, { radius: 3, color: "#C2185B", fillOpacity: 1, interactive: false })
          .addTo(drawn);
      });
      var length = 0;
      for (var i = 1; i < points.length; i++) {
        length += map.distance(points[i - 1], points[i]);
      }
      if (!points.length) {
        L.DomUtil.create("div", "parkmap-measure-hint", panel).textContent = labels.hint;
      } else {
        line(labels.length, length < 1000 ? formatNumber(length, 0) + " m"
          : formatNumber(length / 1000, 3) + " km");
      }
      if (points.length > 2) {
        var area = geodesicArea(points);
        line(labels.area, formatNumber(area, 0) + " m²");
        line("", formatNumber(area / m2PerMu, 2) + " " + labels.mu);
        line("", formatNumber(area / 10000, 2) + " " + labels.ha);
      }
      if (active && points.length) {
        L.DomUtil.create("div", "parkmap-measure-hint", panel).textContent = labels.finish;
      }
      if (!active && points.length) {
        var clear = L.DomUtil.create("a", "parkmap-measure-clear", panel);
        clear.href = "#";
        clear.textContent = labels.clear;
        L.DomEvent.on(clear, "click", function (e) {
          L.DomEvent.stop(e);
          points = [];
          render();
        });
      }
    }

    function onClick(e) {
      points.push(e.latlng);
      render();
    }

    function finish(e) {
      if (e) {
        L.DomEvent.stop(e);
      }
      active = false;
      map.off("click", onClick);
      map.off("dblclick", finish);
      map.getContainer().style.cursor = "";
      L.DomUtil.removeClass(link, "parkmap-active");
      setTimeout(function () {
        map.doubleClickZoom.enable();
      }, 0);
      render();
    }

    function start() {
      active = true;
      points = [];
      drawn.addTo(map);
      map.doubleClickZoom.disable();
      map.getContainer().style.cursor = "crosshair";
      map.on("click", onClick);
      map.on("dblclick", finish);
      L.DomUtil.addClass(link, "parkmap-active");
      render();
    }

    var Measure = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var wrap = L.DomUtil.create("div", "parkmap-measure");
        var bar = L.DomUtil.create("div", "leaflet-bar", wrap);
        link = L.DomUtil.create("a", "", bar);
        link.href = "#";
        link.title = labels.measure;
        link.setAttribute("role", "button");
        link.setAttribute("aria-label", labels.measure);
        link.innerHTML = ICON_MEASURE;
        panel = L.DomUtil.create("div", "parkmap-box parkmap-measure-panel", wrap);
        panel.style.display = "none";
        L.DomEvent.disableClickPropagation(wrap);
        L.DomEvent.on(link, "click", function (e) {
          L.DomEvent.stop(e);
          if (active) {
            finish();
          } else {
            start();
          }
        });
        return wrap;
      },
    });
    map.addControl(new Measure());
  }

  function setup(map, options) {
    if (options.patterns) {
      var holder = document.createElement("div");
      holder.innerHTML = options.patterns;
      document.body.appendChild(holder.firstChild);
    }
    L.control.scale({ imperial: false, metric: true, maxWidth: 160 }).addTo(map);
    fullscreen(map, options.labels);
    measure(map, options.labels, options.m2_per_mu);
    var state = { map: map, groups: {} };
    if (options.panel) {
      box(map, "topleft", "parkmap-panel", options.panel);
    }
    if (options.legend) {
      state.legend = box(map, "bottomright", "parkmap-legend", options.legend);
    }
    if (options.note) {
      box(map, "bottomleft", "parkmap-note", options.note);
    }
    state.sync = function () {
      // A legend section shows while any of the layers it describes is on the map.
      if (!state.legend) {
        return;
      }
      state.legend.querySelectorAll("[data-legend]").forEach(function (el) {
        var on = el.getAttribute("data-legend").split(" ").some(function (key) {
          var group = state.groups[key];
          return group && map.hasLayer(group);
        });
        el.style.display = on ? "" : "none";
      });
    };
    map.on("overlayadd overlayremove", state.sync);
    return state;
  }

  function layer(state, group, sectionId, data, styles) {
    // the drawing order, which compact layers (webmap_compact.js) compare with
    var order = (state.order = (state.order || 0) + 1);
    var geo = L.geoJSON(data, {
      style: function (feature) {
        return styles[feature.properties.s];
      },
      pointToLayer: function (feature, latlng) {
        var style = L.extend({}, styles[feature.properties.s]);
        if (feature.properties.r) {
          style.radius = feature.properties.r;
        }
        return L.circleMarker(latlng, style);
      },
      onEachFeature: function (feature, lyr) {
        lyr.parkmapOrder = order;
        if (feature.properties.t) {
          lyr.bindTooltip(feature.properties.t, { sticky: true, className: "parkmap-tooltip" });
        }
        if (feature.properties.p) {
          lyr.bindPopup(feature.properties.p, { maxWidth: 380, className: "parkmap-popup" });
        }
      },
    });
    geo.addTo(group);
    state.groups[sectionId] = group;
    state.sync();
    return geo;
  }

  return { setup: setup, layer: layer, geodesicArea: geodesicArea };
})();
