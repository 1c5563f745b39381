// hipviz classroom page: each browser keeps its own pose and asks the server for it.
// At most one request is in flight; moves made meanwhile are sent as one when it returns,
// so a fast slider never queues work on the server.
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
  const api = {
    token,
    updates: 0,
    latencies: [],
    async poseChanged() {
      if (get("follow")) return;
      if (inFlight) { pending = true; return; }
      inFlight = true;
      try {
        do {
          pending = false;
          const pose = { ...get("pose") };
          const start = performance.now();
          // the instructor's move is solved once, as the lead everyone following sees
          const update = token
            ? await trame().trigger("hipviz_lead", [token, pose, get("scene_index"), null])
            : await trame().trigger("hipviz_solve", [pose, get("scene_index")]);
          api.apply(update, false);
          api.latencies.push(performance.now() - start);
          if (api.latencies.length > 2000) api.latencies.shift();
        } while (pending);
      } finally {
        inFlight = false;
      }
    },
    apply(update, setPose) {
      if (update && update.superseded) return; // a newer request of this page is answered
      if (!update || update.error || !update.matrices || !update.muscles || !update.rows) {
        trame().state.set("error", (update && update.error) || "an incomplete answer was ignored");
        return;
      }
      const values = { matrices: update.matrices, muscles: update.muscles, rows: update.rows,
                       status: update.status, error: "" };
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
      const update = await trame().trigger("hipviz_scene", [index]);
      api.apply(update, true);
      if (update && !update.error) {
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
  });
  return api;
})();
