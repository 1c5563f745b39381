// hipviz muscle labels over a vtk.js view (the handout): each label's anchor and the
// muscles are projected with the view's camera, the labels laid out on screen apart from
// each other and off the muscles (the rings of hipviz/render/label_layout.py, the
// desktop's layout), and a leader line drawn from each label to its muscle.
// Pixels here run from the view's bottom left, as in the desktop code; CSS gets top/left.
window.hipvizLabels = (() => {
  const DIRECTIONS = 16;
  const DISTANCES = [2, 4, 7, 11, 16, 23, 32];
  const NEAR_RINGS = 3;
  const MUSCLE_COST = 1e4;
  const CROSSING_COST = 400;
  const OUTWARD_WORTH = 30;

  const overlaps = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  const side = (a, b, c) => (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  const crosses = (p0, p1, q0, q1) =>
    side(q0, q1, p0) * side(q0, q1, p1) < 0 && side(p0, p1, q0) * side(p0, p1, q1) < 0;

  // points along screen polylines at most `spacing` apart
  function sample(lines, spacing) {
    const out = [];
    for (const line of lines) {
      for (let i = 0; i + 1 < line.length; i += 1) {
        const [a, b] = [line[i], line[i + 1]];
        const n = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / spacing));
        for (let k = 0; k < n; k += 1) {
          out.push([a[0] + (k / n) * (b[0] - a[0]), a[1] + (k / n) * (b[1] - a[1])]);
        }
      }
      if (line.length) out.push(line[line.length - 1]);
    }
    return out;
  }

  function bestPlace(a, w, h, rings, width, height, taken, near, r, outward, leaders) {
    let best = null;
    for (const d of rings) {
      for (let k = 0; k < DIRECTIONS; k += 1) {
        const t = (2 * Math.PI * k) / DIRECTIONS;
        const u = [Math.cos(t), Math.sin(t)];
        const reach = d + (Math.abs(u[0]) * w) / 2 + (Math.abs(u[1]) * h) / 2;
        const c = [a[0] + u[0] * reach, a[1] + u[1] * reach];
        const box = [c[0] - w / 2, c[1] - h / 2, c[0] + w / 2, c[1] + h / 2];
        if (box[0] < 0 || box[1] < 0 || box[2] > width || box[3] > height) continue;
        if (taken.some((other) => overlaps(box, other))) continue;
        const end = [Math.min(Math.max(a[0], box[0]), box[2]),
                     Math.min(Math.max(a[1], box[1]), box[3])];
        let cost = Math.hypot(end[0] - a[0], end[1] - a[1]);
        for (const p of near) {
          if (p[0] > box[0] - r && p[0] < box[2] + r && p[1] > box[1] - r && p[1] < box[3] + r) {
            cost += MUSCLE_COST;
          }
        }
        cost -= OUTWARD_WORTH * (u[0] * outward[0] + u[1] * outward[1]);
        for (const [q0, q1] of leaders) if (crosses(end, a, q0, q1)) cost += CROSSING_COST;
        if (!best || cost < best.cost) best = { box, end, cost: cost + OUTWARD_WORTH };
      }
    }
    return best;
  }

  // anchors: [[x, y]], sizes: [[w, h]], fixed: boxes to keep off -> [{box, end} or null]
  function place(anchors, sizes, width, height, samples, radius, gap, fixed = []) {
    const n = anchors.length;
    const out = new Array(n).fill(null);
    const taken = fixed.slice();
    const leaders = [];
    const middle = [0, 1].map((j) => anchors.reduce((s, a) => s + a[j], 0) / Math.max(n, 1));
    const rings = DISTANCES.map((d) => d * gap);
    for (let i = 0; i < n; i += 1) {
      const a = anchors[i];
      const [w, h] = sizes[i];
      const far = rings[rings.length - 1] + Math.hypot(w, h) + radius;
      const near = samples.filter((p) => Math.abs(p[0] - a[0]) <= far && Math.abs(p[1] - a[1]) <= far);
      const o = [a[0] - middle[0], a[1] - middle[1]];
      const norm = Math.hypot(o[0], o[1]);
      const outward = norm > 1e-9 ? [o[0] / norm, o[1] / norm] : [0, 0];
      let found = null;
      for (const tried of [rings.slice(0, NEAR_RINGS), rings]) {
        found = bestPlace(a, w, h, tried, width, height, taken, near, radius, outward, leaders);
        if (found && found.cost < CROSSING_COST) break;
      }
      if (!found) continue;
      out[i] = found;
      taken.push(found.box);
      leaders.push([found.end, a]);
    }
    return out;
  }

  // draw the labels of `spec` ({labels: [{anchor}], lines: [[x, y, z, ...]]}) over `frame`
  // (the element holding the view) with the vtk.js `renderer`; `on` false hides them
  function draw(frame, renderer, spec, on) {
    const box = frame.querySelector(".muscle-labels");
    const svg = frame.querySelector(".muscle-leaders");
    if (!box || !svg) return;
    box.hidden = !on;
    svg.style.display = on ? "" : "none";
    if (!on || !renderer) return;
    const width = frame.clientWidth;
    const height = frame.clientHeight;
    if (!width || !height) return;
    const aspect = width / height;
    const toScreen = (p) => {
      const q = renderer.worldToNormalizedDisplay(p[0], p[1], p[2], aspect);
      return [q[0] * width, q[1] * height];
    };
    const lines = (spec.lines || []).map((flat) => {
      const pts = [];
      for (let i = 0; i + 2 < flat.length; i += 3) pts.push(toScreen(flat.slice(i, i + 3)));
      return pts;
    });
    const gap = Math.max(4, height / 160);
    const samples = sample(lines, 4);
    const elements = Array.from(box.querySelectorAll(".muscle-label"));
    const anchors = elements.map((el) => toScreen(spec.labels[Number(el.dataset.label)].anchor));
    const sizes = elements.map((el) => [el.offsetWidth, el.offsetHeight]);
    pin(elements, place(anchors, sizes, width, height, samples, 5, gap), anchors, width,
        height, svg);
    frame.dataset.labelsPlaced = String((Number(frame.dataset.labelsPlaced) || 0) + 1);
  }

  // each label element at its placed box (hidden where none fitted), and the leader lines
  // from the boxes to their anchors in the view's SVG (y of the boxes and anchors upwards)
  function pin(elements, placed, anchors, width, height, svg) {
    const segments = [];
    elements.forEach((el, i) => {
      const p = placed[i];
      el.hidden = !p;
      if (!p) return;
      el.style.left = `${p.box[0]}px`;
      el.style.top = `${height - p.box[3]}px`;
      segments.push(`M${p.end[0].toFixed(1)},${(height - p.end[1]).toFixed(1)}` +
                    `L${anchors[i][0].toFixed(1)},${(height - anchors[i][1]).toFixed(1)}`);
    });
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.querySelector("path").setAttribute("d", segments.join(""));
  }

  return { place, sample, draw, pin };
})();
