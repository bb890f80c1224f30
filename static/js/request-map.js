// The map of public requests on /requests/?view=map (progressive enhancement).
//
// A box with `data-request-map` names the GeoJSON of the filtered requests (data-map-url,
// civil_requests.map_data) and the tile URL from config (data-map-tiles, laid by map-pin.js). Each
// request is a pin; its popup links to the request and says its status, and "Overdue" in words.
// Without this script, without Leaflet, or when the data cannot be fetched, the box stays empty
// and the status line says the list shows the same requests. When the map images fail to load
// (or no tile URL is configured) the pins are drawn on a blank background and the status says so.
// The pins are not in the tab order (there may be two thousand): the list is the keyboard's way.
(function () {
  "use strict";

  function numbers(text) {
    return (text || "").split(",").map(function (part) { return parseFloat(part); });
  }

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? values[key] : match;
    });
  }

  function popup(properties, data) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.title;
    box.appendChild(link);
    var status = document.createElement("p");
    status.textContent = properties.status_label + (properties.overdue ? " · " + data.mapOverdue : "");
    box.appendChild(status);
    return box;
  }

  function RequestMap(container, status) {
    this.container = container;
    this.status = status;
    this.data = container.dataset;
    this.notes = [];
  }

  RequestMap.prototype.say = function (text) {
    if (text && this.notes.indexOf(text) < 0) this.notes.push(text);
    if (this.status) this.status.textContent = this.notes.join(" ");
  };

  RequestMap.prototype.start = function () {
    var self = this;
    if (!window.L || !window.fetch || !window.GongronMap) return;
    this.say("");
    this.container.setAttribute("role", "group");
    this.container.setAttribute("aria-label", this.data.mapLabel || "Map");
    this.map = window.GongronMap.newMap(this.container, this.data);
    this.fitCity();
    window.GongronMap.addTiles(this.map, this.container, this.data, function () { self.say(self.data.mapNoTiles); });
    fetch(this.data.mapUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("map data " + response.status);
        return response.json();
      })
      .then(function (collection) { self.show(collection); })
      .catch(function () {
        self.notes = [];
        self.say(self.data.mapFailed);
      });
  };

  RequestMap.prototype.fitCity = function () {
    var bounds = numbers(this.data.mapBounds);
    var center = numbers(this.data.mapCenter);
    if (bounds.length === 4 && bounds.every(isFinite)) {
      this.map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]]);
    } else if (center.length === 2 && center.every(isFinite)) {
      this.map.setView(center, 12);
    } else {
      this.map.setView([36.5, 127.8], 7);
    }
  };

  RequestMap.prototype.show = function (collection) {
    var self = this;
    var features = (collection && collection.features) || [];
    var layer = window.L.featureGroup();
    features.forEach(function (feature) {
      var at = feature.geometry && feature.geometry.coordinates;
      if (!at || at.length !== 2) return;
      var overdue = feature.properties.overdue;
      window.L.circleMarker([at[1], at[0]], {
        radius: overdue ? 9 : 7,
        weight: overdue ? 3 : 2,
        color: overdue ? "#7a1b16" : "#1d3f73",
        fillColor: overdue ? "#c62828" : "#1d5fa8",
        fillOpacity: 0.8,
        className: overdue ? "request-pin request-pin-overdue" : "request-pin",
      })
        .bindPopup(popup(feature.properties, self.data))
        .addTo(layer);
    });
    layer.addTo(this.map);
    if (!this.data.mapTiles) this.say(this.data.mapNoTiles);
    if (features.length === 0) {
      this.say(this.data.mapNone);
      return;
    }
    this.say(fill(this.data.mapShown, { count: features.length }));
    if (collection.truncated) this.say(this.data.mapTruncated);
    this.map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [20, 20] });
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-request-map]").forEach(function (container) {
      var status = container.parentNode.querySelector("[data-map-status]");
      new RequestMap(container, status).start();
    });
  });
})();
