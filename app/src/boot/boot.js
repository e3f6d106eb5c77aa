// The loads before the bundle (inlined into every page's <head>; see `boot.rs`). On the loads
// list, it signs the driver in as the app does (renewing the session kept on the device, else
// handing over Telegram's launch data from the URL fragment) and asks for the first page with
// the driver's last filter, while the WASM downloads; the cards are drawn into the server's
// skeleton in the app's own markup. `window.__hauler_boot` is the promise of what it got (and
// `window.__hauler_booted` what it got, once it has), which the app takes over instead of signing
// in and asking again. A driver without access, a refusal, a page still on its way (202)
// or a failure draws nothing: the app meets them as it always did. With a session kept on the
// device, the first page is asked at once with the kept token and the filter this device last
// opened with, beside the renewal (the old token lives on for a moment after it), and used when
// the driver's last filter is still that one. Without one, the sign-in brings the first page
// along (one round trip less) unless it is still on its way from a busy exchange; it is then
// asked for right after, as before.
(function () {
  if (location.pathname !== "/") return;
  var fragment = new URLSearchParams(location.hash.slice(1));
  var initData = fragment.get("tgWebAppData");
  if (!initData) {
    try {
      initData = JSON.parse(sessionStorage.getItem("__telegram__initParams")).tgWebAppData;
    } catch (e) {}
  }
  if (!initData) return;
  var user = {};
  try {
    user = JSON.parse(new URLSearchParams(initData).get("user")) || {};
  } catch (e) {}
  var KEY = "hauler.session";
  // How long a tapped card waits for the app before its page is loaded anew.
  var TAP_PATIENCE = 15000;
  var store = function (method, a, b) {
    try {
      return localStorage[method](a, b);
    } catch (e) {}
  };
  var english = function (code) {
    return !!code && (code === "en" || code.indexOf("en-") === 0);
  };
  var call = function (method, path, token, body) {
    var headers = { "accept-language": english(user.language_code) ? "en" : "ru" };
    if (token) headers.authorization = "Bearer " + token;
    if (body) headers["content-type"] = "application/json";
    return fetch(path, { method: method, headers: headers, body: body && JSON.stringify(body) }).then(
      function (answer) {
        // 202: the page is on its way from a busy exchange; the app asks again when told.
        if (!answer.ok || answer.status === 202) throw answer.status;
        return answer.json();
      },
    );
  };
  var launch = function () {
    return call("POST", "/api/v1/auth/telegram", null, { init_data: initData, first_page: true });
  };
  var kept = (store("getItem", KEY) || "").split(":");
  var ours = kept[1] && kept[0] === String(user.id);
  var signIn = ours
    ? call("POST", "/api/v1/auth/renew", kept[1]).catch(function () {
        store("removeItem", KEY);
        return launch();
      })
    : launch();
  // "<telegram id>:<query>" of the page this device last opened with.
  var FILTER_KEY = "hauler.first_page";
  var keptQuery = ours && store("getItem", FILTER_KEY);
  keptQuery = keptQuery && keptQuery.indexOf(kept[0] + ":") === 0 && keptQuery.slice(kept[0].length + 1);
  var early =
    keptQuery &&
    call("GET", "/api/v1/cargos?" + keptQuery, kept[1]).catch(function () {
      return null;
    });

  var boot = (window.__hauler_boot = signIn.then(
    function (signedIn) {
      store("setItem", KEY, signedIn.driver.telegram_id + ":" + signedIn.token);
      if (!signedIn.access || !signedIn.access.active) return { signed_in: signedIn };
      var filter = signedIn.last_filter || {};
      var asked = query(filter);
      store("setItem", FILTER_KEY, signedIn.driver.telegram_id + ":" + asked);
      var ask = function () {
        return call("GET", "/api/v1/cargos?" + asked, signedIn.token);
      };
      // A first sign-in brings the page along, unless it was still on its way.
      var brought = signedIn.first_page;
      delete signedIn.first_page;
      var first = brought
        ? Promise.resolve(brought)
        : early && asked === keptQuery
          ? early.then(function (page) {
              return page || ask();
            })
          : ask();
      return first.then(
        function (page) {
          var boot = { signed_in: signedIn, page: page };
          draw(boot, filter);
          return boot;
        },
        function () {
          return { signed_in: signedIn };
        },
      );
    },
    function () {
      return null;
    },
  ));
  // Read at once by an app that comes after the answers; one that came before waits for them.
  boot.then(function (got) {
    window.__hauler_booted = got;
  });

  // `CargoFilter::api_query(0, PAGE_SIZE)`.
  function query(f) {
    var q = [];
    var put = function (name, value) {
      if (value !== undefined && value !== null) q.push(name + "=" + encodeURIComponent(value));
    };
    [["from", f.from], ["to", f.to]].forEach(function (place) {
      var p = place[1];
      if (!p) return;
      put(place[0] + "_city_id", p.city_id);
      put(place[0] + "_point_type", p.point_type);
      if (p.radius_km > 0) put(place[0] + "_radius_km", p.radius_km);
    });
    put("loading_date", f.loading_date);
    var wv = f.weight_volume;
    if (wv && wv.kind === "category") put("weight_category", wv.category);
    if (wv && wv.kind === "preset") put("weight_preset", wv.preset);
    if (wv && wv.kind === "custom") {
      put("tonnes", wv.tonnes);
      put("cubic_metres", wv.cubic_metres);
    }
    if (f.load_types && f.load_types.length) put("load_types", f.load_types.join(","));
    if (f.truck_types && f.truck_types.length) put("truck_types", f.truck_types.join(","));
    [
      ["distance", "_km", f.distance_km],
      ["price", "_rub", f.price_rub],
      ["price_per_km", "_rub", f.price_per_km_rub],
    ].forEach(function (r) {
      var range = r[2] || {};
      put(r[0] + "_min" + r[1], range.min);
      put(r[0] + "_max" + r[1], range.max);
    });
    put("shipper_inn", f.shipper_inn);
    if (f.mode && f.mode !== "all") put("mode", f.mode);
    if (f.sort && f.sort !== "newest") put("sort", f.sort);
    put("limit", 20);
    return q.join("&");
  }

  // The cards as `board::CardView` draws them, in place of the skeletons.
  function draw(boot, filter) {
    var page = boot.page;
    // A banner above the cards (stale data, loads gone since the last look, a capped sort) or an
    // empty list would move what is drawn: the app draws those itself.
    if (!page.cards.length || page.stale || (page.gone && page.gone.length) || page.capped) return;
    var en = english((boot.signed_in.profile || {}).language || user.language_code);
    var t = en
      ? { hello: "Hello", km: "km", t: "t", m3: "m³", responded: "You responded", now: "just now", ago: "{age} ago", ages: ["min", "h", "d"], shown: "Showing {n} of {m}", more: "Show more", trust: ["little known", "reliable", "average", "careful"], truck: ["curtain", "reefer", "insulated", "flatbed", "container", "box van", "lowboy", "dump"], load: ["rear", "side", "top", "curtains", "tail lift"] }
      : { hello: "Здравствуйте", km: "км", t: "т", m3: "м³", responded: "Вы откликнулись", now: "только что", ago: "{age} назад", ages: ["мин", "ч", "дн"], shown: "Показано {n} из {m}", more: "Показать ещё", trust: ["мало данных", "надёжный", "обычный", "осторожно"], truck: ["тент", "реф.", "изот.", "борт", "конт.", "цмф", "трал", "самосв."], load: ["зад.", "бок.", "верх.", "раст.", "гидроб."] };
    var nbsp = "\u00a0";
    var esc = function (s) {
      return String(s).replace(/[&<>"]/g, function (c) {
        return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
      });
    };
    var group = function (n) {
      return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, nbsp);
    };
    var quantity = function (v, unit) {
      return v.toFixed(2).replace(/0+$/, "").replace(/\.$/, "").replace(".", ",") + nbsp + unit;
    };
    var when = function (iso) {
      var parts = iso.split("T");
      var d = parts[0].split("-");
      if (d.length < 3) return iso;
      var clock = (parts[1] || "").slice(0, 5);
      var dayMonth = d[2].slice(0, 2) + "." + d[1];
      return clock.length === 5 && clock !== "00:00" ? dayMonth + ", " + clock : dayMonth;
    };
    // As the app's `Texts::age`: "только что", "5 мин назад", "3 ч назад", "2 дн назад".
    var age = function (seconds) {
      if (seconds < 60) return t.now;
      var n = seconds < 3600 ? [Math.floor(seconds / 60), 0] : seconds < 86400 ? [Math.floor(seconds / 3600), 1] : [Math.floor(seconds / 86400), 2];
      return t.ago.replace("{age}", n[0] + nbsp + t.ages[n[1]]);
    };
    var pills = function (list, names) {
      return (list || []).map(function (pill) {
        return names[pill.id - 1] || pill.short_name;
      });
    };
    var ready = function (then) {
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", then);
      else then();
    };
    ready(function () {
      var list = document.querySelector("[data-testid=cargo-list]");
      // The app has come first (it draws this page itself), or this is not the board.
      if (!list || window.__hauler_boot_taken) return;
      var html = page.cards.map(function (c) {
        var km = c.distance_km;
        var price = c.price_kopecks == null ? "" : group(Math.floor((c.price_kopecks + 50) / 100)) + nbsp + "₽";
        var perKm = "";
        if (c.price_kopecks != null && km > 0) {
          var tenths = Math.floor((Math.floor(c.price_kopecks / km) + 5) / 10);
          perKm = group(Math.floor(tenths / 10)) + (tenths % 10 ? "," + (tenths % 10) : "") + nbsp + "₽/" + t.km;
        }
        var dates = c.loading_at ? when(c.loading_at) + (c.unloading_at ? " → " + when(c.unloading_at) : "") : "";
        var size = [
          c.weight_t != null && quantity(c.weight_t, t.t),
          c.volume_m3 != null && quantity(c.volume_m3, t.m3),
          km != null && km + nbsp + t.km,
        ].filter(Boolean).join(" · ");
        var kinds = pills(c.truck_types, t.truck).concat(pills(c.load_types, t.load)).join(", ");
        var mark = c.shipper;
        var levels = ["new", "good", "fair", "poor"];
        return (
          '<a class="cargo-card" href="/cargo/' + c.id + '" data-testid="cargo-card" data-id="' + c.id + '" data-fresh="false">' +
          '<div class="cargo-card-top"><span class="route">' + esc((c.from_city || "—") + " → " + (c.to_city || "—")) +
          '</span><span class="price">' + price + "</span></div>" +
          '<div class="cargo-card-line muted"><span>' + esc(dates) + "</span><span>" + perKm + "</span></div>" +
          '<div class="cargo-card-line"><span>' + esc(size) + "</span>" +
          (c.age_seconds == null
            ? ""
            : '<span class="card-age muted small" data-testid="card-age" data-age-seconds="' + c.age_seconds + '">' + age(c.age_seconds) + "</span>") +
          "</div>" +
          '<div class="cargo-card-line muted small"><span class="kinds">' + esc(kinds) + "</span>" +
          (mark
            ? '<span class="badge shipper-mark trust-' + esc(mark.level) + '" data-testid="shipper-mark" data-level="' + esc(mark.level) +
              '" data-score="' + mark.score + '">' + mark.score + " · " + t.trust[levels.indexOf(mark.level)] + "</span>"
            : "") +
          (c.responded ? '<span class="badge" data-testid="responded-badge">' + t.responded + "</span>" : "") +
          "</div></a>"
        );
      });
      list.innerHTML = html.join("");
      list.setAttribute("data-boot", "drawn");
      // A card tapped before the app has come alive opens once it has (the app reads
      // `__hauler_tapped`), rather than by loading its page anew, which would start the app's
      // code over. Should the app not come within TAP_PATIENCE (its code failed to load), the
      // card's page is loaded after all.
      var patience;
      list.addEventListener("click", function (event) {
        var card = event.target.closest && event.target.closest("a.cargo-card");
        if (!card || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
        if (window.__hauler_boot_taken) return;
        event.preventDefault();
        var opening = list.querySelector("[data-opening]");
        if (opening) opening.removeAttribute("data-opening");
        card.setAttribute("data-opening", "true");
        window.__hauler_tapped = card.getAttribute("data-id");
        clearTimeout(patience);
        patience = setTimeout(function () {
          if (!window.__hauler_boot_taken) location.assign(card.href);
        }, TAP_PATIENCE);
      });
      var footer = '<div class="list-footer"><p class="muted small" data-testid="shown-of">' +
        t.shown.replace("{n}", page.cards.length).replace("{m}", page.total) + "</p>" +
        (page.offset + page.limit < page.total ? '<button class="button secondary" data-testid="load-more">' + t.more + "</button>" : "") +
        "</div>";
      list.insertAdjacentHTML("afterend", footer);
      var greeting = document.querySelector("[data-testid=sign-in-pending]");
      if (greeting) {
        greeting.outerHTML = '<p class="greeting" data-testid="greeting">' + esc(t.hello + ", " + boot.signed_in.driver.first_name) + "</p>";
      }
      // The filter's chips come with the app; their row is held open so the cards stay put.
      var chips = document.querySelector("[data-testid=chips]");
      var chipped = filter.from || filter.to || filter.loading_date || filter.weight_volume || filter.shipper_inn ||
        (filter.truck_types || []).length || (filter.load_types || []).length || (filter.sort && filter.sort !== "newest") ||
        [filter.distance_km, filter.price_rub, filter.price_per_km_rub].some(function (r) {
          return r && (r.min != null || r.max != null);
        });
      if (chips && chipped) {
        var place = function (p, arrow) {
          var radius = p.radius_km > 0 ? " +" + p.radius_km + nbsp + t.km : "";
          return '<span class="chip">' + esc(arrow + p.city_name + radius) + "</span>";
        };
        chips.innerHTML =
          (filter.from ? place(filter.from, "") : "") + (filter.to ? place(filter.to, "→ ") : "") ||
          '<span class="chip">…</span>';
      }
    });
  }
})();
