// Keyboard and toolbar controls of the model viewer.

const KEY_ROTATE_STEP = (7.5 * Math.PI) / 180;
const KEY_ZOOM_FACTOR = 1.15;
const PAN_PX = 24;

/** Arrow keys orbit (Shift: pan), + and - zoom, Home resets; returns whether the key was used. */
export function orbitKey(viewer, event) {
  const c = viewer.controls;
  const pan = event.shiftKey;
  const actions = {
    ArrowLeft: () => (pan ? c.pan(PAN_PX, 0) : c.rotateLeft(KEY_ROTATE_STEP)),
    ArrowRight: () => (pan ? c.pan(-PAN_PX, 0) : c.rotateLeft(-KEY_ROTATE_STEP)),
    ArrowUp: () => (pan ? c.pan(0, PAN_PX) : c.rotateUp(KEY_ROTATE_STEP)),
    ArrowDown: () => (pan ? c.pan(0, -PAN_PX) : c.rotateUp(-KEY_ROTATE_STEP)),
    '+': () => zoom(viewer, 1 / KEY_ZOOM_FACTOR),
    '=': () => zoom(viewer, 1 / KEY_ZOOM_FACTOR),
    '-': () => zoom(viewer, KEY_ZOOM_FACTOR),
    _: () => zoom(viewer, KEY_ZOOM_FACTOR),
    Home: () => resetView(viewer),
  };
  const action = actions[event.key];
  if (!action) return false;
  action();
  return true;
}

export function zoom(viewer, factor) {
  const { camera, controls } = viewer;
  const offset = camera.position.clone().sub(controls.target).multiplyScalar(factor);
  camera.position.copy(controls.target).add(offset);
  controls.update();
}

/** Settle pending damping motion, so that a new view or reset is not dragged off by it. */
export function settle(controls) {
  const damping = controls.enableDamping;
  controls.enableDamping = false;
  controls.update();
  controls.enableDamping = damping;
}

export function resetView(viewer) {
  if (!viewer.controls) return;
  settle(viewer.controls);
  viewer.controls.reset();
  viewer.requestRender();
}

/** The toolbar's buttons, wired to the viewer's actions. */
export function bindToolbar(viewer) {
  const b = viewer.buttons;
  b.reset?.addEventListener('click', () => resetView(viewer));
  b.below?.addEventListener('click', () => viewer.viewFromBelow());
  b.wireframe?.addEventListener('click', () => viewer.setWireframe(!viewer.wireframe));
  b.problems?.addEventListener('click', () => viewer.setProblemsVisible(!viewer.problemsVisible));
  b.full?.addEventListener('click', () => viewer.loadFullDetail());
  if (b.full) b.full.hidden = !(viewer.data?.simplified && viewer.meta);
}

/** Each legend checkbox shows or hides its own overlay. */
export function bindOverlayToggles(viewer) {
  for (const box of viewer.root.querySelectorAll('input[data-toggle]')) {
    box.addEventListener('change', () => viewer.setOverlayVisible(box.dataset.toggle, box.checked));
  }
}
