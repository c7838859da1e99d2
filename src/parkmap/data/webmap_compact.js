/* parkmap large layers: compact geometry and attribute columns drawn on one canvas.
 *
 * Written for parkmap (MIT). Plain Leaflet 1.9. A compact layer comes from
 * parkmap's Python side: integer coordinates delta-coded along the layer, vertex / ring
 * / part counts, a style index per feature, and attribute columns from which tooltips
 * and popups are built here, on demand, as DOM text nodes (never innerHTML), so a data
 * value can never be parsed as HTML.
 *
 * Every compact layer of a map is drawn by one renderer, a subclass of Leaflet's canvas
 * renderer (L.Canvas: it keeps the canvas placed, sized and animated on zoom). Instead
 * of one Leaflet path object per feature (measured: pan 2.7 s, zoom 5.5 s for 10^5
 * parcels) the renderer draws the layers from typed arrays of projected coordinates,
 * in batches of canvas paths per style, skips what lies outside the view, and finds
 * the feature under the pointer with a grid index (built at the first pointer event).
 * Coordinates and text indices arrive as base64 varints (smaller than array literals,
 * and decoded faster than the browser compiles those), the layer data as a JSON string. The canvas sits in its own pane
 * below Leaflet's overlay pane and takes no pointer events: the map's click and move
 * events are hit-tested here, and a compact feature wins over an SVG feature drawn
 * before it (a cluster outline under the parcels), as it would if both were SVG.
 */
var parkmapCompact = (function () {
  "use strict";

  var PANE = "parkmapCompact";

  function column(col, n, attrs) {
    // A function i -> value for an encoded column of n rows ({c}, {u, i}, {s}, {n} or
    // {a}: the same as attribute column a). Varint indices are decoded on first use.
    if (!col) {
      return function () {
        return "";
      };
    }
    if (col.a) {
      return column(attrs[col.a], n, attrs);
    }
    if ("c" in col) {
      return function () {
        return col.c;
      };
    }
    if (col.u) {
      var index = null;
      return function (i) {
        if (!index) index = typeof col.i === "string" ? varints(col.i, n) : col.i;
        return col.u[index[i]];
      };
    }
    var values = col.s || col.n;
    return function (i) {
      var v = values[i];
      return v === null || v === undefined ? "" : v;
    };
  }

  function expand(value, n) {
    // Int32Array of n counts from a count list, varints (a string) or a single count.
    var out = new Int32Array(n);
    if (typeof value === "number") {
      out.fill(value);
    } else if (typeof value === "string") {
      out.set(varints(value, n));
    } else {
      out.set(value);
    }
    return out;
  }

  function offsets(countsArray) {
    var out = new Int32Array(countsArray.length + 1);
    for (var i = 0; i < countsArray.length; i++) {
      out[i + 1] = out[i] + countsArray[i];
    }
    return out;
  }

  function varints(text, n) {
    // n signed integers from base64 zig-zag LEB128 varints (parkmap.maps.compact);
    // arithmetic, not bit operations, so values past 2^31 decode exactly.
    var bytes = atob(text);
    var out = new Float64Array(n);
    var at = 0;
    for (var i = 0; i < n; i++) {
      var value = 0;
      var scale = 1;
      var b;
      do {
        b = bytes.charCodeAt(at++);
        value += (b & 127) * scale;
        scale *= 128;
      } while (b & 128);
      out[i] = value % 2 ? -(value + 1) / 2 : value / 2;
    }
    return out;
  }

  function decode(g) {
    // Typed arrays: vertices projected to [0, 1] Web Mercator, and the offsets of
    // rings (in vertices), parts (in rings) and features (in parts).
    var featureParts = offsets(expand(g.p, g.n));
    var nParts = featureParts[g.n];
    var partRings = offsets(expand(g.r, nParts));
    var nRings = partRings[nParts];
    var ringVertices = offsets(expand(g.v, nRings));
    var nVertices = ringVertices[nRings];
    var kind = new Uint8Array(nParts);
    if (typeof g.k === "number") {
      kind.fill(g.k);
    } else {
      kind.set(g.k);
    }
    var xy = new Float64Array(2 * nVertices);
    var c = typeof g.c === "string" ? varints(g.c, 2 * nVertices) : g.c;
    var x = g.o[0];
    var y = g.o[1];
    var q = g.q;
    var maxLat = 85.0511287798;
    for (var v = 0; v < nVertices; v++) {
      x += c[2 * v];
      y += c[2 * v + 1];
      var lat = Math.max(Math.min(y * q, maxLat), -maxLat);
      var s = Math.sin((lat * Math.PI) / 180);
      xy[2 * v] = (x * q) / 360 + 0.5;
      xy[2 * v + 1] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    }
    var box = new Float64Array(4 * g.n);
    for (var f = 0; f < g.n; f++) {
      var x0 = Infinity;
      var y0 = Infinity;
      var x1 = -Infinity;
      var y1 = -Infinity;
      var first = ringVertices[partRings[featureParts[f]]];
      var last = ringVertices[partRings[featureParts[f + 1]]];
      for (var k = first; k < last; k++) {
        var px = xy[2 * k];
        var py = xy[2 * k + 1];
        if (px < x0) x0 = px;
        if (px > x1) x1 = px;
        if (py < y0) y0 = py;
        if (py > y1) y1 = py;
      }
      box[4 * f] = x0;
      box[4 * f + 1] = y0;
      box[4 * f + 2] = x1;
      box[4 * f + 3] = y1;
    }
    return {
      n: g.n,
      xy: xy,
      box: box,
      kind: kind,
      featureParts: featureParts,
      partRings: partRings,
      ringVertices: ringVertices,
    };
  }

  function grid(geo) {
    // A uniform grid over the layer's extent: the features whose box meets each cell.
    var n = geo.n;
    var box = geo.box;
    var x0 = Infinity;
    var y0 = Infinity;
    var x1 = -Infinity;
    var y1 = -Infinity;
    for (var f = 0; f < n; f++) {
      if (box[4 * f] > box[4 * f + 2]) continue; // empty feature
      x0 = Math.min(x0, box[4 * f]);
      y0 = Math.min(y0, box[4 * f + 1]);
      x1 = Math.max(x1, box[4 * f + 2]);
      y1 = Math.max(y1, box[4 * f + 3]);
    }
    var side = Math.max(1, Math.min(1024, Math.round(Math.sqrt(n / 2))));
    var w = (x1 - x0) / side || 1e-12;
    var h = (y1 - y0) / side || 1e-12;
    var cell = function (value, origin, size) {
      return Math.max(0, Math.min(side - 1, Math.floor((value - origin) / size)));
    };
    var count = new Int32Array(side * side + 1);
    var pass = function (fill, start) {
      for (var f = 0; f < n; f++) {
        if (box[4 * f] > box[4 * f + 2]) continue;
        var cx0 = cell(box[4 * f], x0, w);
        var cx1 = cell(box[4 * f + 2], x0, w);
        var cy0 = cell(box[4 * f + 1], y0, h);
        var cy1 = cell(box[4 * f + 3], y0, h);
        for (var cy = cy0; cy <= cy1; cy++) {
          for (var cx = cx0; cx <= cx1; cx++) {
            var id = cy * side + cx;
            if (fill) {
              fill[start[id] + count[id]++] = f;
            } else {
              count[id + 1]++;
            }
          }
        }
      }
    };
    pass(null);
    for (var i = 0; i < side * side; i++) count[i + 1] += count[i];
    var start = count.slice();
    var items = new Int32Array(start[side * side]);
    count = new Int32Array(side * side + 1);
    pass(items, start);
    return {
      find: function (x, y) {
        if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) return [];
        var id = cell(y, y0, h) * side + cell(x, x0, w);
        return items.subarray(start[id], start[id + 1]);
      },
    };
  }

  function canvasStyle(style) {
    // Canvas cannot fill with an SVG pattern: the pattern's colour, lighter.
    var out = L.extend({ color: "#333333", weight: 1, opacity: 1, fillOpacity: 0.5 }, style);
    if (typeof out.fillColor !== "string" || /^url[(]/.test(out.fillColor)) {
      out.fillColor = out.color;
      out.fillOpacity = Math.min(out.fillOpacity, 0.2);
    }
    if (typeof out.dashArray === "string") {
      out.dash = out.dashArray.split(/[, ]+/).map(Number).filter(isFinite);
    }
    return out;
  }

  function text(parent, tag, className, value) {
    var el = L.DomUtil.create(tag, className || "", parent);
    el.textContent = value;
    return el;
  }

  function builders(data) {
    var a = data.a;
    var n = data.n;
    var title = column(a.t, n, a);
    var subtitle = column(a.st, n, a);
    var short = column(a.sh, n, a);
    var rows = data.rows.map(function (row) {
      return [row[0], column(row[1], n, a)];
    });
    return {
      tooltip: function (i) {
        var div = document.createElement("div");
        var t = String(title(i));
        text(div, "b", "", t || "-");
        var sub = String(subtitle(i));
        [sub !== t ? sub : "", String(short(i))].forEach(function (line) {
          if (line) {
            div.appendChild(document.createElement("br"));
            div.appendChild(document.createTextNode(line));
          }
        });
        return div;
      },
      popup: function (i) {
        var div = document.createElement("div");
        var t = String(title(i));
        text(div, "div", "parkmap-title", t || "-");
        var sub = String(subtitle(i));
        if (sub && sub !== t) {
          text(div, "div", "parkmap-sub", sub);
        }
        var table = L.DomUtil.create("table", "", div);
        rows.forEach(function (row) {
          var value = String(row[1](i));
          if (value) {
            var tr = L.DomUtil.create("tr", "", table);
            text(tr, "th", "", row[0]);
            text(tr, "td", "", value);
          }
        });
        return div;
      },
    };
  }

  function inRing(geo, ring, x, y) {
    // Even-odd ray casting against one ring.
    var xy = geo.xy;
    var inside = false;
    var a = geo.ringVertices[ring];
    var b = geo.ringVertices[ring + 1];
    for (var i = a, j = b - 1; i < b; j = i++) {
      var xi = xy[2 * i];
      var yi = xy[2 * i + 1];
      var xj = xy[2 * j];
      var yj = xy[2 * j + 1];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }

  function nearLine(geo, ring, x, y, tol) {
    var xy = geo.xy;
    var a = geo.ringVertices[ring];
    var b = geo.ringVertices[ring + 1];
    for (var i = a + 1; i < b; i++) {
      var x0 = xy[2 * i - 2];
      var y0 = xy[2 * i - 1];
      var dx = xy[2 * i] - x0;
      var dy = xy[2 * i + 1] - y0;
      var len = dx * dx + dy * dy;
      var t = len ? Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len)) : 0;
      var ex = x0 + t * dx - x;
      var ey = y0 + t * dy - y;
      if (ex * ex + ey * ey <= tol * tol) return true;
    }
    return b - a === 1 && (xy[2 * a] - x) ** 2 + (xy[2 * a + 1] - y) ** 2 <= tol * tol;
  }

  function hits(layer, f, x, y, tol) {
    var geo = layer.geo;
    for (var p = geo.featureParts[f]; p < geo.featureParts[f + 1]; p++) {
      var r0 = geo.partRings[p];
      var r1 = geo.partRings[p + 1];
      if (geo.kind[p] === 2) {
        var inside = false;
        for (var r = r0; r < r1; r++) {
          if (inRing(geo, r, x, y)) inside = !inside;
        }
        if (inside) return true;
      } else {
        var radius = geo.kind[p] === 0 ? Number(layer.radius(f)) || 5 : 0;
        for (var s = r0; s < r1; s++) {
          if (nearLine(geo, s, x, y, tol + radius * layer.unit)) return true;
        }
      }
    }
    return false;
  }

  var Renderer = L.Canvas.extend({
    // One canvas for every compact layer of the map, drawn from typed arrays.
    initialize: function (options) {
      L.Canvas.prototype.initialize.call(this, options);
      this._compact = [];
    },

    addCompact: function (layer) {
      this._compact.push(layer);
      this._redrawSoon();
    },

    removeCompact: function (layer) {
      this._compact = this._compact.filter(function (other) {
        return other !== layer;
      });
      this._redrawSoon();
    },

    _redrawSoon: function () {
      if (this._map && !this._redrawRequest) {
        this._redrawRequest = L.Util.requestAnimFrame(this._redraw, this);
      }
    },

    _updatePaths: function () {
      if (this._postponeUpdatePaths) return;
      this._redrawBounds = null;
      this._redraw();
    },

    _redraw: function () {
      // a redraw now makes a pending one (layers just added) redundant
      if (this._redrawRequest) {
        L.Util.cancelAnimFrame(this._redrawRequest);
      }
      L.Canvas.prototype._redraw.call(this);
    },

    _view: function () {
      // Scale and offset from [0, 1] Mercator to layer pixels, and the view in [0, 1].
      var map = this._map;
      var scale = map.options.crs.scale(map.getZoom());
      var origin = map.getPixelOrigin();
      var b = this._bounds;
      return {
        scale: scale,
        ox: origin.x,
        oy: origin.y,
        x0: (b.min.x + origin.x) / scale,
        y0: (b.min.y + origin.y) / scale,
        x1: (b.max.x + origin.x) / scale,
        y1: (b.max.y + origin.y) / scale,
      };
    },

    _draw: function () {
      if (!this._map || !this._bounds) return;
      var ctx = this._ctx;
      var view = this._view();
      for (var l = 0; l < this._compact.length; l++) {
        this._drawLayer(ctx, this._compact[l], view);
      }
    },

    _drawLayer: function (ctx, layer, view) {
      var geo = layer.geo;
      var box = geo.box;
      var xy = geo.xy;
      var S = view.scale;
      var ox = view.ox;
      var oy = view.oy;
      var minStroke = 3 / S; // features under 3 px get no outline
      ctx.lineJoin = "round";
      ctx.lineCap = "round";
      for (var s = 0; s < layer.styles.length; s++) {
        var style = layer.styles[s];
        var filled = style.fill !== false && style.fillOpacity > 0;
        var stroked = style.stroke !== false && style.weight > 0;
        ctx.setLineDash(style.dash || []);
        ctx.fillStyle = style.fillColor;
        ctx.strokeStyle = style.color;
        ctx.lineWidth = style.weight;
        var fill = new Path2D();
        var stroke = new Path2D();
        var batch = 0;
        var flush = function () {
          // Skia slows down badly on paths of many thousand subpaths: draw in batches.
          if (filled) {
            ctx.globalAlpha = style.fillOpacity;
            ctx.fill(fill, "evenodd");
          }
          if (stroked) {
            ctx.globalAlpha = style.opacity;
            ctx.stroke(stroke);
          }
          fill = new Path2D();
          stroke = new Path2D();
          batch = 0;
        };
        var ids = layer.byStyle[s];
        for (var k = 0; k < ids.length; k++) {
          var f = ids[k];
          if (box[4 * f + 2] < view.x0 || box[4 * f] > view.x1) continue;
          if (box[4 * f + 3] < view.y0 || box[4 * f + 1] > view.y1) continue;
          var big =
            box[4 * f + 2] - box[4 * f] > minStroke || box[4 * f + 3] - box[4 * f + 1] > minStroke;
          for (var p = geo.featureParts[f]; p < geo.featureParts[f + 1]; p++) {
            var kind = geo.kind[p];
            if (kind === 0) {
              var v0 = geo.ringVertices[geo.partRings[p]];
              var x = xy[2 * v0] * S - ox;
              var y = xy[2 * v0 + 1] * S - oy;
              var radius = Number(layer.radius(f)) || style.radius || 5;
              fill.moveTo(x + radius, y);
              fill.arc(x, y, radius, 0, 2 * Math.PI);
              stroke.moveTo(x + radius, y);
              stroke.arc(x, y, radius, 0, 2 * Math.PI);
              continue;
            }
            for (var r = geo.partRings[p]; r < geo.partRings[p + 1]; r++) {
              var a = geo.ringVertices[r];
              var b = geo.ringVertices[r + 1];
              var outline = kind === 1 || big;
              if (kind === 2) {
                fill.moveTo(xy[2 * a] * S - ox, xy[2 * a + 1] * S - oy);
              }
              if (outline) {
                stroke.moveTo(xy[2 * a] * S - ox, xy[2 * a + 1] * S - oy);
              }
              for (var v = a + 1; v < b; v++) {
                var px = xy[2 * v] * S - ox;
                var py = xy[2 * v + 1] * S - oy;
                if (kind === 2) fill.lineTo(px, py);
                if (outline) stroke.lineTo(px, py);
              }
              if (kind === 2) {
                fill.closePath();
                if (outline) stroke.closePath();
              }
            }
          }
          if (++batch === 100) flush();
        }
        flush();
      }
      ctx.globalAlpha = 1;
      ctx.setLineDash([]);
    },

    getEvents: function () {
      var events = L.Canvas.prototype.getEvents.call(this);
      // preclick: an SVG feature's popup stops its click from reaching the map
      events.preclick = this._onMapClick;
      events.mousemove = this._onMapMove;
      events.mouseout = this._closeTooltip;
      return events;
    },

    _initContainer: function () {
      // The canvas takes no pointer events: the map's own events are hit-tested here, so
      // the SVG layers above it keep theirs.
      var container = (this._container = document.createElement("canvas"));
      container.style.pointerEvents = "none";
      container["_leaflet_disable_events"] = true;
      this._ctx = container.getContext("2d");
    },

    _find: function (layerPoint, above) {
      // The topmost compact feature under a point, drawn above ``above``: [layer, index].
      var origin = this._map.getPixelOrigin();
      var scale = this._map.options.crs.scale(this._map.getZoom());
      var x = (layerPoint.x + origin.x) / scale;
      var y = (layerPoint.y + origin.y) / scale;
      var tol = (this.options.tolerance + 3) / scale;
      for (var l = this._compact.length - 1; l >= 0; l--) {
        var layer = this._compact[l];
        if (layer.parkmapOrder <= above) continue;
        layer.unit = 1 / scale;
        var candidates = layer.index().find(x, y);
        for (var k = candidates.length - 1; k >= 0; k--) {
          var f = candidates[k];
          var box = layer.geo.box;
          if (x < box[4 * f] - tol || x > box[4 * f + 2] + tol) continue;
          if (y < box[4 * f + 1] - tol || y > box[4 * f + 3] + tol) continue;
          if (hits(layer, f, x, y, tol)) return [layer, f];
        }
      }
      return null;
    },

    _above: function (e) {
      // The drawing order of the SVG feature the event came from (-1: none).
      var source = e.sourceTarget;
      if (!source || source === this._map || source.parkmapOrder === undefined) return -1;
      return source.parkmapOrder;
    },

    _onMapClick: function (e) {
      if (!e.layerPoint) return;
      var found = this._find(e.layerPoint, this._above(e));
      if (found) {
        // after the click: over an SVG feature drawn below, this popup replaces its one
        var map = this._map;
        this._closeTooltip();
        setTimeout(function () {
          map.eachLayer(function (other) {
            if (other instanceof L.Popup) map.removeLayer(other);
          });
          L.popup({ maxWidth: 380, className: "parkmap-popup" })
            .setLatLng(e.latlng)
            .setContent(found[0].build.popup(found[1]))
            .openOn(map);
        }, 0);
      }
    },

    _closeTooltip: function () {
      if (this._tooltip) {
        this._map.closeTooltip(this._tooltip);
        this._tooltip = null;
      }
      this._hovered = null;
      if (this._map) L.DomUtil.removeClass(this._map.getContainer(), "parkmap-compact-hover");
    },

    _onMapMove: function (e) {
      var map = this._map;
      if (!map || !e.layerPoint || map.dragging.moving() || map._animatingZoom) return;
      if (this._mouseHoverThrottled) return;
      this._mouseHoverThrottled = true;
      setTimeout(
        L.Util.bind(function () {
          this._mouseHoverThrottled = false;
        }, this),
        32
      );
      var found = this._find(e.layerPoint, this._above(e));
      if (!found) {
        this._closeTooltip();
        return;
      }
      if (e.sourceTarget && e.sourceTarget !== map && e.sourceTarget.closeTooltip) {
        e.sourceTarget.closeTooltip(); // an SVG feature below the compact one
      }
      var key = found[0]._leaflet_id + ":" + found[1];
      if (key !== this._hovered) {
        this._closeTooltip();
        this._hovered = key;
        L.DomUtil.addClass(map.getContainer(), "parkmap-compact-hover");
        this._tooltip = L.tooltip({ sticky: true, className: "parkmap-tooltip" })
          .setLatLng(e.latlng)
          .setContent(found[0].build.tooltip(found[1]));
        map.openTooltip(this._tooltip);
      } else {
        this._tooltip.setLatLng(e.latlng);
      }
    },
  });

  function renderer(map) {
    // The map's one compact renderer, in its own pane under the overlay pane.
    if (!map._parkmapCompact) {
      if (!map.getPane(PANE)) {
        map.createPane(PANE).style.zIndex = 350;
      }
      map._parkmapCompact = new Renderer({ pane: PANE, padding: 0.1, tolerance: 2 });
      map.addLayer(map._parkmapCompact);
    }
    return map._parkmapCompact;
  }

  var CompactLayer = L.Layer.extend({
    initialize: function (data, styles) {
      this.geo = decode(data.g);
      this._index = null; // built on the first pointer event (see index())
      this.styles = styles.map(canvasStyle);
      this.radius = column(data.rad, data.n, data.a);
      this.build = builders(data);
      var styleOf = expand(data.s, data.n);
      var byStyle = this.styles.map(function () {
        return [];
      });
      for (var f = 0; f < data.n; f++) {
        byStyle[styleOf[f]].push(f);
      }
      this.byStyle = byStyle.map(function (ids) {
        return Int32Array.from(ids);
      });
      var b = this.geo.box;
      var x0 = Infinity;
      var y0 = Infinity;
      var x1 = -Infinity;
      var y1 = -Infinity;
      for (var i = 0; i < data.n; i++) {
        if (b[4 * i] > b[4 * i + 2]) continue;
        x0 = Math.min(x0, b[4 * i]);
        y0 = Math.min(y0, b[4 * i + 1]);
        x1 = Math.max(x1, b[4 * i + 2]);
        y1 = Math.max(y1, b[4 * i + 3]);
      }
      this._extent = [x0, y0, x1, y1];
    },

    index: function () {
      // The hit-test grid, built when the pointer first needs it, not at load.
      if (!this._index) this._index = grid(this.geo);
      return this._index;
    },

    onAdd: function (map) {
      renderer(map).addCompact(this);
    },

    onRemove: function (map) {
      renderer(map).removeCompact(this);
    },

    getBounds: function () {
      var e = this._extent;
      var toLatLng = function (x, y) {
        var lng = (x - 0.5) * 360;
        var lat = (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI;
        return L.latLng(lat, lng);
      };
      return L.latLngBounds(toLatLng(e[0], e[3]), toLatLng(e[2], e[1]));
    },
  });

  function layer(state, group, sectionId, data, styles) {
    // Draw a compact layer inside ``group`` (a FeatureGroup toggled by the layer control).
    var out = new CompactLayer(data, styles);
    out.parkmapOrder = state.order = (state.order || 0) + 1;
    out.addTo(group);
    state.groups[sectionId] = group;
    state.sync();
    return out;
  }

  return { layer: layer, decode: decode, CompactLayer: CompactLayer };
})();
