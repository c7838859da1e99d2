/* parkmap scenario comparison: one layer group per scenario in its own pane, and a swipe
   control. The base is drawn on the left of the divider, the chosen scenario on the right;
   dragging the slider moves the divider. Written for parkmap (no third-party code). */
var parkmapCompare = (function () {
  "use strict";
  function groupFor(map, control, column, styles, index) {
    var pane = map.createPane("parkmap-scenario-" + index);
    pane.style.zIndex = 450 + index;
    var group = L.layerGroup();
    column.layers.forEach(function (layer) {
      L.geoJSON(layer.data, {
        pane: "parkmap-scenario-" + index,
        style: function () { return styles[layer.kind]; },
        onEachFeature: function (feature, lyr) {
          var text = document.createElement("span");
          text.textContent = column.label + ": " + feature.properties.t;
          lyr.bindTooltip(text, { sticky: true });
        }
      }).addTo(group);
    });
    if (control) { control.addOverlay(group, column.label_html); }
    return { group: group, pane: pane };
  }
  function setup(map, control, data) {
    var columns = data.columns.map(function (c, i) { return groupFor(map, control, c, data.styles, i); });
    columns[0].group.addTo(map);
    var right = columns.length > 1 ? 1 : 0;
    columns[right].group.addTo(map);
    var box = L.DomUtil.create("div", "parkmap-swipe leaflet-bar");
    box.style.cssText = "background:#fff;padding:6px 8px;font:12px sans-serif;max-width:260px";
    var title = L.DomUtil.create("div", "", box);
    title.textContent = data.labels.title;
    var select = L.DomUtil.create("select", "", box);
    select.style.maxWidth = "240px";
    data.columns.forEach(function (c, i) {
      if (i === 0) { return; }
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = c.label;
      select.appendChild(option);
    });
    var slider = L.DomUtil.create("input", "", box);
    slider.type = "range"; slider.min = "0"; slider.max = "1"; slider.step = "0.001"; slider.value = "0.5";
    slider.style.width = "100%";
    slider.setAttribute("aria-label", data.labels.slider);
    var hint = L.DomUtil.create("div", "", box);
    hint.textContent = data.labels.hint;
    var line = L.DomUtil.create("div", "parkmap-swipe-line", map.getContainer());
    line.style.cssText = "position:absolute;top:0;bottom:0;width:3px;margin-left:-1px;background:#222;z-index:800;pointer-events:none";
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    function clip() {
      var size = map.getSize();
      var nw = map.containerPointToLayerPoint([0, 0]);
      var se = map.containerPointToLayerPoint(size);
      var x = nw.x + size.x * parseFloat(slider.value);
      columns.forEach(function (c, i) {
        if (i === 0) {
          c.pane.style.clip = "rect(" + [nw.y, x, se.y, nw.x].join("px,") + "px)";
        } else {
          c.pane.style.clip = "rect(" + [nw.y, se.x, se.y, x].join("px,") + "px)";
        }
      });
      line.style.left = (size.x * parseFloat(slider.value)) + "px";
    }
    function choose() {
      columns.forEach(function (c, i) { if (i > 0 && map.hasLayer(c.group)) { map.removeLayer(c.group); } });
      right = parseInt(select.value, 10);
      columns[right].group.addTo(map);
      clip();
    }
    if (columns.length > 1) {
      select.addEventListener("change", choose);
      slider.addEventListener("input", clip);
      var Swipe = L.Control.extend({ onAdd: function () { return box; } });
      new Swipe({ position: "bottomleft" }).addTo(map);
      map.on("move zoom resize viewreset", clip);
      clip();
    }
    return { columns: columns, slider: slider, select: select, clip: clip };
  }
  return { setup: setup };
})();
