// Figures in the reader's language (the page's <html lang>).

/** Largest 1-2-5 step that is <= value. */
export function niceFloor(value) {
  if (!(value > 0)) return 1;
  const base = 10 ** Math.floor(Math.log10(value));
  const f = value / base;
  return (f >= 5 ? 5 : f >= 2 ? 2 : 1) * base;
}

/** Smallest 1-2-5 step that is >= value. */
export function niceCeil(value) {
  if (!(value > 0)) return 1;
  const base = 10 ** Math.floor(Math.log10(value));
  const f = value / base;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * base;
}

function pageLocale() {
  return document.documentElement.lang || undefined;
}

export function formatNumber(value, digits = 1) {
  try {
    return new Intl.NumberFormat(pageLocale(), { maximumFractionDigits: digits }).format(value);
  } catch (err) {
    return String(Math.round(value * 10 ** digits) / 10 ** digits);
  }
}

export function formatMm(value, mm) {
  // Sub-millimetre steps keep their decimals, everything else at most one.
  const digits = value > 0 && value < 1 ? 2 : 1;
  return `${formatNumber(value, digits)} ${mm}`;
}

/** A translated template with {name} placeholders filled in. */
export function fillTemplate(template, values) {
  return String(template || '').replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

export function degToRad(deg) {
  return (deg * Math.PI) / 180;
}
