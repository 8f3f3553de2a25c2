// @ts-check
// Names as people write them: an international name the API gives in its encoded form
// (xn--bcher-kva.fr) is shown as the client typed it (bücher.fr). Browsers have no
// toUnicode of their own, so this is RFC 3492's decoder, for display only: what is sent
// back to the API stays the name the API gave.

const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;
const SKEW = 38;
const DAMP = 700;

/** RFC 3492 section 6.1. */
function adapt(/** @type {number} */ delta, /** @type {number} */ points, /** @type {boolean} */ first) {
  let d = first ? Math.floor(delta / DAMP) : delta >> 1;
  d += Math.floor(d / points);
  let k = 0;
  for (; d > ((BASE - T_MIN) * T_MAX) >> 1; k += BASE) d = Math.floor(d / (BASE - T_MIN));
  return k + Math.floor(((BASE - T_MIN + 1) * d) / (d + SKEW));
}

/** A digit's value: a-z are 0-25, 0-9 are 26-35. */
function digit(/** @type {number} */ c) {
  if (c >= 48 && c <= 57) return c - 22;
  if (c >= 97 && c <= 122) return c - 97;
  if (c >= 65 && c <= 90) return c - 65;
  return BASE;
}

/** One encoded label's letters (the part after "xn--"); null when it does not decode. */
function decodeLabel(/** @type {string} */ input) {
  const out = [];
  const basic = input.lastIndexOf('-');
  for (let j = 0; j < Math.max(basic, 0); j++) out.push(input.charCodeAt(j));
  let n = 128;
  let bias = 72;
  let i = 0;
  for (let at = basic > 0 ? basic + 1 : 0; at < input.length;) {
    const old = i;
    for (let w = 1, k = BASE; ; k += BASE) {
      if (at >= input.length) return null;
      const d = digit(input.charCodeAt(at++));
      if (d >= BASE) return null;
      i += d * w;
      const th = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
      if (d < th) break;
      w *= BASE - th;
      if (i > 0x10ffff * 4) return null;
    }
    bias = adapt(i - old, out.length + 1, old === 0);
    n += Math.floor(i / (out.length + 1));
    i %= out.length + 1;
    if (n > 0x10ffff) return null;
    out.splice(i++, 0, n);
  }
  return String.fromCodePoint(...out);
}

/** A name in the letters people write it with; a label that does not decode stays as it is. */
export function shownName(/** @type {string} */ name) {
  return name
    .split('.')
    .map((label) => {
      if (!/^xn--/i.test(label)) return label;
      const u = decodeLabel(label.slice(4).toLowerCase());
      return u ?? label;
    })
    .join('.');
}
