// hipviz classroom page: each browser keeps its own pose and asks the server for it.
// At most one request is in flight; moves made meanwhile are sent as one when it returns,
// so a fast slider never queues work on the server. While the page drags it asks for each
// compartment's central fibre only (as the desktop draws while dragging); once the pose
// has rested SETTLE_MS it asks for the whole fans of fibres.
window.hipviz = (() => {
  const trame = () => window.trame;
  const get = (key) => trame().state.get(key);
  const params = new URLSearchParams(window.location.search);
  const token = params.get("token") || "";
  let inFlight = false;
  let pending = false;
  let lastSeq = 0;
  let positionStart = null; // the pose before the last stretch / release position
  const GLIDE_MS = 600;
  const SETTLE_MS = 250;
  let settleTimer = null;
  const cancelSettle = () => { clearTimeout(settleTimer); settleTimer = null; };
  const api = {
    token,
    updates: 0,
    latencies: [],
    // fans: ask for the whole fans (the pose has settled) rather than the central fibres
    async poseChanged(fans = false) {
      if (get("follow")) return;
      cancelSettle();
      if (inFlight) { pending = true; return; }
      inFlight = true;
      let whole = Boolean(fans);
      let sentWhole = whole;
      try {
        do {
          pending = false;
          sentWhole = whole;
          whole = false; // a move made meanwhile is a drag again
          const pose = { ...get("pose") };
          const start = performance.now();
          // the instructor's move is solved once, as the lead everyone following sees
          const update = token
            ? await trame().trigger("hipviz_lead", [token, pose, get("scene_index"), null,
                                                    sentWhole])
            : await trame().trigger("hipviz_solve", [pose, get("scene_index"), sentWhole]);
          api.apply(update, false);
          api.latencies.push(performance.now() - start);
          if (api.latencies.length > 2000) api.latencies.shift();
        } while (pending);
      } finally {
        inFlight = false;
        if (!sentWhole) settleTimer = setTimeout(() => api.poseChanged(true), SETTLE_MS);
      }
    },
    apply(update, setPose) {
      if (update && update.superseded) return; // a newer request of this page is answered
      if (!update || update.error || !update.matrices || !update.muscles || !update.rows) {
        trame().state.set("error", (update && update.error) || "an incomplete answer was ignored");
        return;
      }
      api.rawMuscles = update.muscles;
      const keys = update.keys || get("muscle_keys");
      const values = { matrices: update.matrices, muscles: update.muscles,
                       muscle_sets: api.lineSets(update.muscles, keys),
                       rows: update.rows, status: update.status, error: "" };
      document.body.dataset.fans = String(Boolean(update.muscles.fans));
      if (update.labels) values.labels = update.labels;
      if (update.keys) values.muscle_keys = update.keys;
      if (setPose) values.pose = update.controls;
      if (update.scene) {
        values.scene_index = update.scene.index;
        values.scene_title = update.scene.title;
        values.scene_caption = update.scene.caption;
      }
      trame().state.update(values);
      api.updates += 1;
      document.body.dataset.updates = String(api.updates);
    },
    async reset() {
      const pose = { ...get("pose") };
      Object.keys(pose).forEach((k) => { pose[k] = 0; });
      await trame().state.set("pose", pose);
      await api.poseChanged();
    },
    // a muscle's stretch or release position (the server searches from this page's pose):
    // the sliders glide there as workshop mode moves (eased, 0.6 s), Back glides back
    async position(goal) {
      if (get("follow")) return;
      const [side, muscle] = String(get("position_muscle") || "").split(".");
      const from = { ...get("pose") };
      const update = await trame().trigger(
        "hipviz_position", [muscle, side, goal, from, get("scene_index")]);
      if (!update || update.error || !update.position) {
        trame().state.set("error", (update && update.error) || "no position came back");
        return;
      }
      positionStart = from;
      await api.glide(from, update.controls);
      await api.settled(); // no answer of the glide lands after the position's own
      cancelSettle(); // the position's answer has the whole fans, and its own caption
      api.apply(update, true);
      trame().state.update({ scene_caption: update.position.caption, position_back: true });
    },
    async positionBack() {
      if (get("follow") || !positionStart) return;
      const to = positionStart;
      positionStart = null;
      await api.glide({ ...get("pose") }, to);
      await trame().state.update({ pose: to, position_back: false });
      await api.poseChanged();
    },
    async settled() {
      while (inFlight) await new Promise((r) => setTimeout(r, 20));
    },
    async glide(from, to) {
      const specs = get("controls") || [];
      const clip = (key, v) => {
        const c = specs.find((x) => x.key === key);
        return c ? Math.min(c.max, Math.max(c.min, v)) : v;
      };
      const start = performance.now();
      for (;;) {
        const t = (performance.now() - start) / GLIDE_MS;
        if (t >= 1) break;
        const s = 0.5 - 0.5 * Math.cos(Math.PI * t);
        const pose = {};
        Object.keys(to).forEach((k) => { pose[k] = clip(k, from[k] + s * (to[k] - from[k])); });
        trame().state.set("pose", pose);
        api.poseChanged();
        await new Promise((r) => setTimeout(r, 30));
      }
    },
    async openScene(index) {
      if (get("follow")) return;
      cancelSettle();
      const update = await trame().trigger("hipviz_scene", [index]);
      api.isolated = null; // a new case shows every muscle
      api.apply(update, true);
      if (update && !update.error) {
        if (typeof update.muscle_labels === "boolean") {
          trame().state.set("labels_on", update.muscle_labels);
        }
        api.setView(update.view);
        if (token) await api.lead({ scene: index, view: update.view });
      }
    },
    setView(name) {
      const camera = get("cameras")[name];
      const view = trame().refs && trame().refs.view;
      if (!camera || !view) return;
      trame().state.set("view", name);
      view.setCamera({ ...camera, centerOfRotation: camera.focalPoint });
      view.render && view.render();
      if (token) api.lead({ view: name });
    },
    async lead(extra) {
      const answer = await trame().trigger(
        "hipviz_lead", [token, { ...get("pose") }, extra.scene ?? null, extra.view ?? null]);
      if (answer && answer.error && !answer.superseded) trame().state.set("error", answer.error);
    },
    setFollow(on) {
      // the server counts the pages following, for the instructor's page
      trame().trigger("hipviz_follow", [!!on]);
      if (on) api.onLead();
    },
    // one slider step per key press, however fast the presses come: the step is taken
    // here, on the page's own pose (the sending coalesces, the steps never do)
    step(key, how) {
      if (get("follow")) return;
      const spec = (get("controls") || []).find((c) => c.key === key);
      if (!spec) return;
      const pose = { ...get("pose") };
      const now = pose[key] || 0;
      const moves = {
        ArrowRight: now + spec.step, ArrowUp: now + spec.step,
        ArrowLeft: now - spec.step, ArrowDown: now - spec.step,
        PageUp: now + 10 * spec.step, PageDown: now - 10 * spec.step,
        Home: spec.min, End: spec.max,
      };
      if (!(how in moves)) return false;
      const value = Math.min(spec.max, Math.max(spec.min, moves[how]));
      pose[key] = Math.round(value / spec.step) * spec.step;
      trame().state.set("pose", pose);
      api.poseChanged();
      return true;
    },
    onLead() {
      const lead = get("lead");
      if (!lead || !get("follow") || lead.seq === lastSeq) return;
      lastSeq = lead.seq;
      api.apply(lead, true);
      if (lead.view && lead.view !== get("view")) api.setView(lead.view);
    },
  };
  // the view has loaded once its canvas shows the data; the first render resets the
  // camera to fit everything, so the scene's view is set after it (and checked)
  const waitForView = () => {
    const view = window.trame && window.trame.refs && window.trame.refs.view;
    const canvas = document.querySelector(".view-box canvas");
    if (!(view && canvas && canvas.width > 0)) { setTimeout(waitForView, 100); return; }
    setTimeout(() => {
      api.setView(get("view"));
      setTimeout(() => {
        api.setView(get("view"));
        document.querySelector(".view-box").dataset.loaded = "true";
        if (token) document.body.dataset.instructor = "true";
      }, 300);
    }, 300);
  };
  setTimeout(waitForView, 100);
  // the instructor's page leads: it says so, and counts the pages following
  const markInstructor = () => {
    if (!(window.trame && window.trame.state && window.trame.state.get("controls"))) {
      setTimeout(markInstructor, 100);
      return;
    }
    if (token) window.trame.state.set("instructor", true);
  };
  markInstructor();
  // keys 1-5 choose the standard views, as in the desktop app
  const viewKeys = { 1: "anterior", 2: "posterior", 3: "right", 4: "left", 5: "superior" };
  document.addEventListener("keydown", (event) => {
    const thumb = event.target.closest && event.target.closest("[role=slider]");
    const input = thumb && thumb.closest(".v-slider")
      && thumb.closest(".v-slider").querySelector("input[id^=slider-]");
    if (input && api.step(input.id.slice("slider-".length), event.key)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(event.target.tagName)
      && event.target.type !== "range";
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (viewKeys[event.key]) api.setView(viewKeys[event.key]);
    if (event.key === "n" || event.key === "N") trame().state.set("labels_on", !get("labels_on"));
  });

  // --- names in the view: this page's own view; nothing of it is sent to the server ---------
  // labels pinned beside the muscles (laid out by window.hipvizLabels, as in the handout),
  // and a muscle clicked in the view isolated: the others faded, its name in large type
  api.isolated = null;
  api.rawMuscles = null;
  const FADE_TO = [120, 126, 134];
  const FADE = 0.8;
  // the server's muscle columns (payload.fan_lines: whole hundredths of a mm, a point count,
  // colour, compartment and width class per line) as the view draws them: one line set per
  // width class (payload.view_line_sets does the same); all but the isolated muscle faded
  const UNIT = 100;
  api.lineSets = (m, keys) => {
    const n = (get("line_widths") || [1]).length;
    const sets = Array.from({ length: n }, () => ({ points: [], lines: [], colours: [] }));
    if (!m || !m.counts) return sets;
    for (let i = 0, p = 0; i < m.counts.length; i += 1) {
      const count = m.counts[i];
      const set = sets[m.width[i]] || sets[0];
      let rgb = [m.rgb[3 * i], m.rgb[3 * i + 1], m.rgb[3 * i + 2]];
      if (api.isolated && keys && keys[m.owner[i]] !== api.isolated) {
        rgb = rgb.map((c, k) => Math.round((1 - FADE) * c + FADE * FADE_TO[k]));
      }
      const first = set.points.length / 3;
      set.lines.push(count);
      for (let k = 0; k < count; k += 1, p += 3) {
        set.lines.push(first + k);
        set.points.push(m.points[p] / UNIT, m.points[p + 1] / UNIT, m.points[p + 2] / UNIT);
        set.colours.push(rgb[0], rgb[1], rgb[2]);
      }
    }
    for (const set of sets) {
      if (!set.points.length) { set.points = [0, 0, 0]; set.colours = [0, 0, 0]; }
    }
    return sets;
  };
  // the view's camera as a projection to the view's pixels (origin bottom left)
  const projector = (camera, width, height) => {
    const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                             a[0] * b[1] - a[1] * b[0]];
    const unit = (a) => { const n = Math.hypot(...a) || 1; return a.map((v) => v / n); };
    const forward = unit(sub(camera.focalPoint, camera.position));
    const right = unit(cross(forward, camera.viewUp));
    const up = cross(right, forward);
    const t = Math.tan((camera.viewAngle * Math.PI) / 360);
    return (p) => {
      const d = sub(p, camera.position);
      const z = Math.max(dot(d, forward), 1e-6);
      return [((dot(d, right) / (z * t * (width / height)) + 1) / 2) * width,
              ((dot(d, up) / (z * t) + 1) / 2) * height];
    };
  };
  // each drawn muscle line (each fibre) on screen, with its compartment's key
  const screenLines = (toScreen) => {
    const m = get("muscles");
    const keys = get("muscle_keys") || [];
    const out = [];
    if (!m || !m.counts) return out;
    for (let i = 0, p = 0; i < m.counts.length; i += 1) {
      const pts = [];
      for (let k = 0; k < m.counts[i]; k += 1, p += 3) {
        pts.push(toScreen([m.points[p] / UNIT, m.points[p + 1] / UNIT, m.points[p + 2] / UNIT]));
      }
      out.push({ key: keys[m.owner[i]], pts });
    }
    return out;
  };
  const camera = () => {
    const view = trame().refs && trame().refs.view;
    return view && view.getCamera ? view.getCamera() : null;
  };
  api.pickMuscle = (x, y) => {
    const box = document.querySelector(".view-box");
    const cam = camera();
    if (!box || !cam) return null;
    let best = null;
    let bestD = 10; // pixels
    for (const { key, pts } of screenLines(projector(cam, box.clientWidth, box.clientHeight))) {
      for (let i = 0; i + 1 < pts.length; i += 1) {
        const [a, b] = [pts[i], pts[i + 1]];
        const ab = [b[0] - a[0], b[1] - a[1]];
        const len = ab[0] * ab[0] + ab[1] * ab[1] || 1e-9;
        const t = Math.min(1, Math.max(0, ((x - a[0]) * ab[0] + (y - a[1]) * ab[1]) / len));
        const d = Math.hypot(a[0] + t * ab[0] - x, a[1] + t * ab[1] - y);
        if (d < bestD) { bestD = d; best = key; }
      }
    }
    return best;
  };
  api.isolate = (key) => {
    api.isolated = key || null;
    const raw = api.rawMuscles || get("muscles");
    api.rawMuscles = raw;
    trame().state.set("muscle_sets", api.lineSets(raw, get("muscle_keys")));
    document.body.dataset.isolated = api.isolated || "";
    lastLayout = "";
  };
  let lastLayout = "";
  const overlay = (box) => {
    let layer = box.querySelector(".muscle-labels");
    if (!layer) {
      layer = document.createElement("div");
      layer.className = "muscle-labels";
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("class", "muscle-leaders");
      svg.setAttribute("aria-hidden", "true");
      svg.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "path"));
      const name = document.createElement("div");
      name.className = "isolated-name";
      name.hidden = true;
      box.append(svg, layer, name);
    }
    return [layer, box.querySelector(".muscle-leaders"), box.querySelector(".isolated-name")];
  };
  const drawLabels = () => {
    const box = document.querySelector(".view-box");
    const cam = camera();
    if (!box || !cam || !window.hipvizLabels) return;
    const [layer, svg, name] = overlay(box);
    const on = Boolean(get("labels_on"));
    const width = box.clientWidth;
    const height = box.clientHeight;
    const labels = (get("labels") || []).filter(
      (l) => !api.isolated || (l.members || []).includes(api.isolated));
    const state = JSON.stringify([on, cam.position, cam.focalPoint, cam.viewUp, cam.viewAngle,
                                  width, height, labels, api.isolated]);
    if (state === lastLayout) return;
    lastLayout = state;
    const names = get("muscle_names") || {};
    name.hidden = !api.isolated;
    name.textContent = api.isolated ? names[api.isolated] || "" : "";
    layer.hidden = !on;
    svg.style.display = on ? "" : "none";
    if (!on || !width || !height) return;
    while (layer.children.length > labels.length) layer.lastChild.remove();
    while (layer.children.length < labels.length) {
      const el = document.createElement("div");
      el.className = "muscle-label";
      layer.appendChild(el);
    }
    const elements = Array.from(layer.children);
    labels.forEach((l, i) => { elements[i].textContent = l.text; elements[i].dataset.key = l.key; });
    const toScreen = projector(cam, width, height);
    const samples = window.hipvizLabels.sample(screenLines(toScreen).map((l) => l.pts), 4);
    const anchors = labels.map((l) => toScreen(l.anchor));
    const sizes = elements.map((el) => [el.offsetWidth, el.offsetHeight]);
    // the legend sits on the view: labels keep off it
    const legend = box.querySelector("#legend");
    const fixed = [];
    if (legend) {
      const r = legend.getBoundingClientRect();
      const b = box.getBoundingClientRect();
      fixed.push([r.left - b.left, b.bottom - r.bottom, r.right - b.left, b.bottom - r.top]);
    }
    const placed = window.hipvizLabels.place(
      anchors, sizes, width, height, samples, 5, Math.max(4, height / 160), fixed);
    window.hipvizLabels.pin(elements, placed, anchors, width, height, svg);
    box.dataset.labelsPlaced = String((Number(box.dataset.labelsPlaced) || 0) + 1);
  };
  api.drawLabels = drawLabels;
  // laid out again whenever the camera, the view's size, the labels or the switch changed
  const everyFrame = () => {
    try { if (window.trame && window.trame.state) drawLabels(); } finally {
      requestAnimationFrame(everyFrame);
    }
  };
  requestAnimationFrame(everyFrame);
  // a click (not a drag) in the view isolates the muscle under it, or brings all back
  let pressed = null;
  document.addEventListener("pointerdown", (event) => {
    const inView = event.target.closest && event.target.closest(".view-box canvas");
    pressed = inView && event.button === 0 ? [event.clientX, event.clientY] : null;
  }, true);
  document.addEventListener("pointerup", (event) => {
    if (!pressed) return;
    const [x0, y0] = pressed;
    pressed = null;
    if (Math.hypot(event.clientX - x0, event.clientY - y0) > 4) return;
    const rect = document.querySelector(".view-box").getBoundingClientRect();
    api.isolate(api.pickMuscle(event.clientX - rect.left, rect.bottom - event.clientY));
  }, true);
  return api;
})();
