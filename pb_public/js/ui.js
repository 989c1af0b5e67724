// Tiny DOM helpers: no framework, so the whole app stays a few tens of KB for
// 2G links. Text always goes through textContent (never innerHTML), so server
// data can never inject markup.

/**
 * h('button', { class: 'btn', onclick: fn }, 'Texte', child…)
 * Attributes: `class`, `on<event>` handlers, booleans (true → present),
 * `dataset`-style `data-*`, everything else via setAttribute.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'value') el.value = v;
      else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden' || k === 'required' || k === 'multiple') el[k] = !!v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(frenchSpaces(String(c))));
  }
}

/**
 * French typography: a non-breaking space before « : ; ! ? » so that the
 * punctuation never starts a line on a narrow screen.
 */
export function frenchSpaces(text) {
  return text.replace(/ ([:;!?»])/g, '\u00a0$1').replace(/« /g, '«\u00a0').replace(/(\d) (?=(h|min|Mo|%)(\b|$))/g, '$1\u00a0');
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** A coloured label; `kind` picks the colour (see .badge-* in app.css). */
export function badge(text, kind = 'info', title) {
  return h('span', { class: `badge badge-${kind}`, title }, text);
}

/** Labelled form control. `input` must have an id. */
export function field(labelText, input, hint) {
  const hintEl = hint ? h('small', { class: 'hint', id: `${input.id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: input.id }, labelText), input, hintEl);
}

export function select(id, options, value, attrs = {}) {
  const el = h('select', { id, name: id, ...attrs });
  for (const o of options) {
    if (o.group) {
      const g = h('optgroup', { label: o.group });
      for (const c of o.options) g.append(h('option', { value: c.value, selected: c.value === value }, c.label));
      el.append(g);
    } else {
      el.append(h('option', { value: o.value, selected: o.value === value }, o.label));
    }
  }
  return el;
}

let toastTimer;
/** Short message in the live region (read by screen readers too). */
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.className = `toast toast-${kind} show`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, 5000);
}

/** Modal confirmation using <dialog>; resolves true when confirmed. */
export function confirmDialog(message, { ok = 'Confirmer', cancel = 'Retour', danger = false } = {}) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'dialog', 'aria-label': message },
      h('form', { method: 'dialog' },
        h('p', null, message),
        h('div', { class: 'actions' },
          h('button', { value: 'cancel', class: 'btn' }, cancel),
          h('button', { value: 'ok', class: danger ? 'btn btn-danger' : 'btn btn-primary' }, ok))));
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

/** Error box listing a message and per-field details. */
export function errorBox(message, details = []) {
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('strong', null, message),
    details.length ? h('ul', null, details.map((d) => h('li', null, d))) : null);
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

/** Reads a whole form into a plain object (multi-value names become arrays). */
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox') {
      if (el.dataset.multi) {
        out[el.name] = out[el.name] || [];
        if (el.checked) out[el.name].push(el.value);
      } else out[el.name] = el.checked;
    } else if (el.type === 'radio') {
      if (el.checked) out[el.name] = el.value;
    } else if (el.type !== 'file' && el.type !== 'submit' && el.type !== 'button') {
      out[el.name] = el.value;
    }
  }
  return out;
}

/** Replaces el's content; null/false children are skipped (replaceChildren would print "null"). */
export function mount(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** The hash link to path with the page's query params changed by patch (an empty value removes a key). */
export function hashWith(path, params, patch) {
  const p = new URLSearchParams(params);
  for (const [k, v] of Object.entries(patch)) { if (v) p.set(k, v); else p.delete(k); }
  const q = p.toString();
  return `#${path}${q ? `?${q}` : ''}`;
}
