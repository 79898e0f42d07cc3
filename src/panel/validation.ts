// The browser's own validation bubbles speak the browser's language ("Please select an item in
// the list.") whatever the panel's. Every form control that fails its constraints (required,
// pattern, maxlength, min/max, type) gets the panel's sentence in the panel's language instead,
// through setCustomValidity; the custom message is dropped as soon as the value changes, so the
// browser checks the constraints afresh.
import { type Key, t } from './i18n.js';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

function isControl(el: EventTarget | null): el is Control {
  return (
    el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement
  );
}

/** The panel's sentence for what is wrong with a control's value. */
export function validationKey(el: Control): Key {
  const v = el.validity;
  if (v.valueMissing) {
    if (el instanceof HTMLSelectElement) return 'val_select';
    if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) return 'val_check';
    return 'val_missing';
  }
  if (v.patternMismatch) return 'val_pattern';
  if (v.tooLong) return 'val_too_long';
  if (v.tooShort) return 'val_too_short';
  if (v.typeMismatch || v.badInput) return 'val_type';
  if (v.rangeUnderflow || v.rangeOverflow || v.stepMismatch) return 'val_range';
  return 'val_invalid';
}

/** Once, at start: for every form of the panel, now and later. */
export function installValidationMessages(doc: Document = document): void {
  doc.addEventListener(
    'invalid',
    (e) => {
      const el = e.target;
      if (!isControl(el)) return;
      // Only the browser's own failures: a message the panel set itself stays.
      if (el.validity.customError && el.dataset.panelValidity !== 'yes') return;
      el.setCustomValidity('');
      if (el.validity.valid) return;
      el.setCustomValidity(t(validationKey(el)));
      el.dataset.panelValidity = 'yes';
    },
    true,
  );
  const reset = (e: Event) => {
    const el = e.target;
    if (!isControl(el) || el.dataset.panelValidity !== 'yes') return;
    el.setCustomValidity('');
    delete el.dataset.panelValidity;
  };
  doc.addEventListener('input', reset, true);
  doc.addEventListener('change', reset, true);
  // A value set by the panel itself (a host picked after a search) fires no input event: before
  // the browser checks a form (the submit button's click, also the one Enter makes), the panel's
  // messages are dropped, so the check is of the values as they are now.
  doc.addEventListener(
    'click',
    (e) => {
      const b = e.target instanceof Element ? e.target.closest('button, input[type=submit]') : null;
      const form = b && (b as HTMLButtonElement).form;
      if (!form) return;
      for (const el of form.elements) {
        if (isControl(el) && el.dataset.panelValidity === 'yes') {
          el.setCustomValidity('');
          delete el.dataset.panelValidity;
        }
      }
    },
    true,
  );
}
