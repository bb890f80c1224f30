// Civil-request forms (progressive enhancement; each form works without this file):
// - the description's character count;
// - open requests like this one nearby, refreshed as the person writes and places the pin;
// - a photo's GPS position offered as the pin, used only if the person accepts (the server
//   strips EXIF from every stored photo regardless);
// - the receipt's print button.
(function () {
  "use strict";

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? values[key] : match;
    });
  }

  // Characters as the server counts them: code points, a line break once.
  function length(text) {
    return Array.from(text.replace(/\r\n/g, "\n")).length;
  }

  function characterCount(note) {
    var input = document.getElementById(note.dataset.charCount);
    if (!input) return;
    var max = parseInt(input.dataset.maxLength, 10);
    var timer = null;
    function show() {
      var count = length(input.value);
      var over = count - max;
      note.textContent = over > 0 ? fill(note.dataset.over, { over: over }) : fill(note.dataset.text, { count: count, max: max });
      note.classList.toggle("char-count-over", over > 0);
    }
    show();
    // Spoken when typing pauses, not at every key.
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(show, 300);
    });
  }

  // --- nearby requests ---------------------------------------------------------------------

  function Nearby(form) {
    this.form = form;
    this.section = form.querySelector("[data-nearby]");
    this.list = this.section.querySelector("[data-nearby-list]");
    this.none = this.section.querySelector("[data-nearby-none]");
    this.forms = document.querySelector("[data-support-forms]");
    this.button = (this.list.querySelector("button[form]") || {}).textContent || "";
    this.last = "";
    this.timer = null;
  }

  Nearby.prototype.query = function () {
    var value = function (name) {
      var input = this.form.querySelector("[name=" + name + "]");
      return input ? input.value : "";
    }.bind(this);
    var text = (value("title") + " " + value("description")).slice(0, 500);
    return "category=" + encodeURIComponent(value("category_id")) + "&latitude=" + encodeURIComponent(value("latitude")) +
      "&longitude=" + encodeURIComponent(value("longitude")) + "&district_id=" + encodeURIComponent(value("district_id")) +
      "&q=" + encodeURIComponent(text);
  };

  Nearby.prototype.supportForm = function (id) {
    var existing = document.getElementById("support-" + id);
    if (existing) return;
    var form = document.createElement("form");
    form.id = "support-" + id;
    form.method = "post";
    form.action = this.forms.dataset.supportUrl.replace("/0/", "/" + id + "/");
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = this.forms.dataset.csrf;
    form.appendChild(token);
    this.forms.appendChild(form);
  };

  Nearby.prototype.render = function (found) {
    var self = this;
    this.list.textContent = "";
    found.forEach(function (item) {
      self.supportForm(item.id);
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      var meta = document.createElement("span");
      meta.className = "muted";
      var parts = [item.status_label];
      if (item.distance_m !== null) parts.push(fill(self.section.dataset.metres, { metres: item.distance_m }));
      var reports = item.supporter_count + 1;  // the applicant and each "same problem"
      parts.push(reports === 1 ? self.section.dataset.reportsOne : fill(self.section.dataset.reportsOther, { num: reports }));
      meta.textContent = " " + parts.join(" · ") + " ";
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "button button-secondary button-small";
      button.setAttribute("form", "support-" + item.id);
      button.textContent = self.section.dataset.same || self.button;
      li.append(link, meta, button);
      self.list.appendChild(li);
    });
    this.none.hidden = found.length > 0;
  };

  Nearby.prototype.refresh = function () {
    var self = this;
    var query = this.query();
    if (query === this.last) return;
    this.last = query;
    fetch(this.form.dataset.nearbyUrl + "?" + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) { if (found) self.render(found); })
      .catch(function () { /* a help, not a requirement: the check button still works */ });
  };

  Nearby.prototype.start = function () {
    var self = this;
    var later = function () {
      clearTimeout(self.timer);
      self.timer = setTimeout(function () { self.refresh(); }, 500);
    };
    this.form.addEventListener("input", later);
    this.form.addEventListener("change", later);
    this.last = this.query();  // what the server rendered the list for
  };

  // --- a photo's GPS position (EXIF) ---------------------------------------------------------

  // The GPS position in a JPEG's EXIF block, or null. Reads the APP1 "Exif" segment's TIFF
  // structure: IFD0 -> GPS IFD (tag 0x8825) -> latitude/longitude (tags 2 and 4: three rationals,
  // degrees minutes seconds) with their references (tags 1 and 3: "N"/"S", "E"/"W").
  function gpsFromJpeg(buffer) {
    var view = new DataView(buffer);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
    var offset = 2;
    while (offset + 10 <= view.byteLength) {
      var marker = view.getUint16(offset);
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return null;
      if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) return gpsFromTiff(view, offset + 10);
      offset += 2 + view.getUint16(offset + 2);
    }
    return null;
  }

  function gpsFromTiff(view, start) {
    var little = view.getUint16(start) === 0x4949;
    var u16 = function (at) { return view.getUint16(start + at, little); };
    var u32 = function (at) { return view.getUint32(start + at, little); };
    var tags = function (ifd) {
      var found = {};
      for (var i = 0, count = u16(ifd); i < count; i++) found[u16(ifd + 2 + i * 12)] = ifd + 2 + i * 12;
      return found;
    };
    var ifd0 = tags(u32(4));
    if (!(0x8825 in ifd0)) return null;
    var gps = tags(u32(ifd0[0x8825] + 8));
    var ref = function (tag) { return tag in gps ? String.fromCharCode(view.getUint8(start + gps[tag] + 8)) : ""; };
    var degrees = function (tag) {
      if (!(tag in gps) || u16(gps[tag] + 2) !== 5 || u32(gps[tag] + 4) !== 3) return NaN;
      var at = u32(gps[tag] + 8);
      var value = 0;
      for (var i = 0; i < 3; i++) value += u32(at + i * 8) / u32(at + i * 8 + 4) / Math.pow(60, i);
      return value;
    };
    var lat = degrees(2) * (ref(1) === "S" ? -1 : 1);
    var lon = degrees(4) * (ref(3) === "W" ? -1 : 1);
    return isFinite(lat) && isFinite(lon) && (lat || lon) ? { lat: lat, lon: lon } : null;
  }

  function photoLocation(form) {
    var input = form.querySelector("input[type=file][name=photos]");
    var offer = form.querySelector("[data-photo-location]");
    if (!input || !offer || !window.DataView || !window.Blob || !Blob.prototype.arrayBuffer) return;
    var text = offer.querySelector("[data-photo-location-text]");
    var use = offer.querySelector("[data-photo-location-use]");
    var position = null;
    input.addEventListener("change", function () {
      offer.hidden = true;
      position = null;
      var jpeg = Array.prototype.find.call(input.files, function (file) { return /^image\/jpe?g$/.test(file.type); });
      if (!jpeg) return;
      // The EXIF block sits at the start of the file.
      jpeg.slice(0, 256 * 1024).arrayBuffer().then(function (buffer) {
        try { position = gpsFromJpeg(buffer); } catch (error) { position = null; }  // a truncated block
        if (!position) return;
        text.textContent = fill(offer.dataset.found, { lat: position.lat.toFixed(5), lon: position.lon.toFixed(5) });
        use.hidden = false;
        offer.hidden = false;
      });
    });
    use.addEventListener("click", function () {
      if (!position) return;
      if (!(window.GongronMap && window.GongronMap.setPin(position.lat, position.lon))) {
        form.querySelector("[name=latitude]").value = position.lat.toFixed(6);
        form.querySelector("[name=longitude]").value = position.lon.toFixed(6);
      }
      text.textContent = offer.dataset.used;
      use.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-char-count]").forEach(characterCount);
    document.querySelectorAll("form.request-form").forEach(function (form) {
      if (form.querySelector("[data-nearby]") && form.dataset.nearbyUrl && window.fetch) new Nearby(form).start();
      photoLocation(form);
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
