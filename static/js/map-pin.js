// The map pin on a request's location (progressive enhancement).
//
// A form with `data-map-pin` has inputs named latitude and longitude (hidden or number inputs),
// and may have an address input and a 동 select (name district_id). Without this script, or
// without Leaflet, or when the map images fail to load, the form works as it is: people type
// the coordinates. With it, a click or tap on the map (or dragging the pin) fills the inputs,
// typing in them moves the pin, and "Use my location" asks the browser only when pressed.
// The map is a labelled group; its controls are ordinary links and it holds no focus trap.
//
// window.GongronMap.setPin(lat, lon) places the pin from elsewhere (a photo's GPS position);
// window.GongronMap.addTiles(map, container, data, failed) lays the configured tiles, and
// window.GongronMap.newMap(container, data) makes a map whose zoom buttons speak the page's language
// (data-map-zoom-in, data-map-zoom-out; Leaflet's own titles are English): request-map.js uses both.
(function () {
  "use strict";

  var pins = [];

  function numbers(text) {
    return (text || "").split(",").map(function (part) { return parseFloat(part); });
  }

  function valid(lat, lon) {
    return isFinite(lat) && isFinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
  }

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? values[key] : match;
    });
  }

  // The tile layer from data-map-tiles (config's MAP_TILE_URL) and data-map-attribution. With no
  // tile URL, or once a tile fails to load, the map's box is marked map-no-tiles; `failed` is told once.
  function addTiles(map, container, data, failed) {
    if (!data.mapTiles) {
      container.classList.add("map-no-tiles");
      return false;
    }
    var tiles = window.L.tileLayer(data.mapTiles, { maxZoom: 19, attribution: data.mapAttribution || "" });
    var told = false;
    tiles.on("tileerror", function () {
      if (told) return;
      told = true;
      container.classList.add("map-no-tiles");
      failed();
    });
    tiles.addTo(map);
    return true;
  }

  // A Leaflet map in `container`, its zoom buttons titled from `data` and no attribution prefix.
  function newMap(container, data) {
    var map = window.L.map(container, { keyboard: false, scrollWheelZoom: false, zoomControl: false });
    window.L.control.zoom({ zoomInTitle: data.mapZoomIn || "+", zoomOutTitle: data.mapZoomOut || "-" }).addTo(map);
    map.attributionControl.setPrefix("");
    return map;
  }

  function Pin(form) {
    this.form = form;
    this.lat = form.querySelector("[name=latitude]");
    this.lon = form.querySelector("[name=longitude]");
    this.district = form.querySelector("select[name=district_id]");
    this.data = form.dataset;
    this.marker = null;
    this.map = null;
    this.status = document.createElement("p");
    this.status.className = "map-status hint";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
  }

  Pin.prototype.say = function (text) {
    this.status.textContent = text || "";
  };

  Pin.prototype.start = function () {
    var self = this;
    var container = this.form.querySelector("[data-map-container]");
    if (!container) {
      container = document.createElement("div");
      container.className = "map-pin";
      (this.lat.closest(".field") || this.lat).before(container);
    }
    container.after(this.status);
    if (navigator.geolocation) this.addLocateButton(container);
    [this.lat, this.lon].forEach(function (input) {
      input.addEventListener("change", function () { self.fromInputs(); });
    });
    if (!window.L) return;
    container.setAttribute("role", "group");
    container.setAttribute("aria-label", this.data.mapLabel || "Map");
    var center = numbers(this.data.mapCenter);
    var bounds = numbers(this.data.mapBounds);
    this.map = newMap(container, this.data);
    if (bounds.length === 4 && bounds.every(isFinite)) {
      this.map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]]);
    } else if (center.length === 2 && valid(center[0], center[1])) {
      this.map.setView(center, 13);
    } else {
      this.map.setView([36.5, 127.8], 7);
    }
    addTiles(this.map, container, this.data, function () { self.say(self.data.mapTilesFailed); });
    this.map.on("click", function (event) {
      self.place(event.latlng.lat, event.latlng.lng, true);
    });
    this.fromInputs();
  };

  Pin.prototype.addLocateButton = function (container) {
    var self = this;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary map-locate";
    button.textContent = this.data.mapLocate || "Use my location";
    button.addEventListener("click", function () {
      self.say(self.data.mapLocating);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          self.place(position.coords.latitude, position.coords.longitude, true, true);
        },
        function () {
          self.say(self.data.mapLocateFailed);
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
    container.after(button);
  };

  Pin.prototype.fromInputs = function () {
    var lat = parseFloat(this.lat.value);
    var lon = parseFloat(this.lon.value);
    if (valid(lat, lon)) this.place(lat, lon, false);
  };

  // Put the pin at (lat, lon); `write` fills the inputs; `pan` brings the point into view.
  Pin.prototype.place = function (lat, lon, write, pan) {
    var self = this;
    if (!valid(lat, lon)) return;
    if (write) {
      this.lat.value = lat.toFixed(6);
      this.lon.value = lon.toFixed(6);
      this.lat.dispatchEvent(new Event("input", { bubbles: true }));
      this.say(fill(this.data.mapPinned, { lat: this.lat.value, lon: this.lon.value }));
      this.lookUp(lat, lon);
    }
    if (!this.map) return;
    if (!this.marker) {
      this.marker = window.L.marker([lat, lon], { draggable: true, keyboard: false, alt: this.data.mapMarker || "" }).addTo(this.map);
      this.marker.on("dragend", function () {
        var at = self.marker.getLatLng();
        self.place(at.lat, at.lng, true);
      });
    } else {
      this.marker.setLatLng([lat, lon]);
    }
    if (pan || !write) this.map.setView([lat, lon], Math.max(this.map.getZoom(), 15));
  };

  // Ask the server which 동 holds the point; choose it in the select when there is one.
  Pin.prototype.lookUp = function (lat, lon) {
    var self = this;
    var url = this.data.mapLocationUrl;
    if (!url || !window.fetch) return;
    var query = "?latitude=" + encodeURIComponent(lat.toFixed(6)) + "&longitude=" + encodeURIComponent(lon.toFixed(6));
    fetch(url + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) {
        if (!found) return;
        if (!found.within_city) {
          self.say(self.data.mapOutside);
          return;
        }
        if (found.district_id && self.district) {
          var option = self.district.querySelector('option[value="' + found.district_id + '"]');
          if (option) {
            self.district.value = String(found.district_id);
            self.district.dispatchEvent(new Event("change", { bubbles: true }));
          }
        }
        if (found.district_name) self.say(fill(self.data.mapInDistrict, { name: found.district_name }));
      })
      .catch(function () { /* the coordinates are kept; the 동 is chosen by hand */ });
  };

  window.GongronMap = {
    addTiles: addTiles,
    newMap: newMap,
    setPin: function (lat, lon) {
      lat = parseFloat(lat);
      lon = parseFloat(lon);
      if (!valid(lat, lon)) return false;
      pins.forEach(function (pin) { pin.place(lat, lon, true, true); });
      return pins.length > 0;
    },
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-map-pin]").forEach(function (form) {
      var pin = new Pin(form);
      if (!pin.lat || !pin.lon) return;
      pins.push(pin);
      pin.start();
    });
  });
})();
