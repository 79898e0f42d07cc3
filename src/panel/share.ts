// A host link handed over by WhatsApp: a wa.me link the desk opens itself (the panel makes
// no request to the internet). With the host's phone number from the directory, the chat
// opens to the host; without one, WhatsApp asks whom to send it to.

/**
 * An Indonesian phone number as wa.me wants it (country code, digits only): "0812-3456-7890"
 * and "+62 812 3456 7890" are both 6281234567890. Anything else (an e-mail, an extension)
 * is no phone: undefined.
 */
export function waPhone(contact: string | undefined): string | undefined {
  if (!contact || /[a-z@]/i.test(contact)) return undefined;
  let digits = contact.replace(/[\s().-]/g, '');
  if (!/^\+?\d+$/.test(digits)) return undefined;
  if (digits.startsWith('+')) digits = digits.slice(1);
  else if (digits.startsWith('0')) digits = `62${digits.slice(1)}`;
  // E.164 numbers: at most 15 digits; an Indonesian mobile has at least 10 after "62".
  return digits.length >= 10 && digits.length <= 15 ? digits : undefined;
}

/** https://wa.me/<phone>?text=... (or https://wa.me/?text=... without a phone). */
export function whatsAppUrl(message: string, contact?: string): string {
  return `https://wa.me/${waPhone(contact) ?? ''}?text=${encodeURIComponent(message)}`;
}
