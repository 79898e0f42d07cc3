// The host link's WhatsApp share (src/panel/share.ts): an Indonesian number as wa.me wants it,
// anything that is no phone number left out (WhatsApp then asks whom to send it to).
import { describe, expect, it } from 'vitest';
import { waPhone, whatsAppUrl } from '../../src/panel/share.js';

describe('waPhone', () => {
  it('reads local and international forms of an Indonesian number', () => {
    expect(waPhone('0812-3456-7890')).toBe('6281234567890');
    expect(waPhone('+62 812 3456 7890')).toBe('6281234567890');
    expect(waPhone('(031) 352-4001')).toBe('62313524001');
    expect(waPhone('6281234567890')).toBe('6281234567890');
  });

  it('is no phone for an e-mail, an extension, a name or a number too short or too long', () => {
    for (const c of [
      'kabag@jatimprov.go.id',
      'ext. 201',
      'Bu Rina',
      '0812',
      '+1234567890123456',
      '',
      undefined,
    ])
      expect(waPhone(c), String(c)).toBeUndefined();
  });
});

describe('whatsAppUrl', () => {
  it('encodes the whole message, link included, and addresses the host when it can', () => {
    const message = 'Yth. Bapak, tamu menunggu: https://pintu.lan/#/link/a.b?c=d&e';
    const url = new URL(whatsAppUrl(message, '0812-3456-7890'));
    expect(url.origin + url.pathname).toBe('https://wa.me/6281234567890');
    expect(url.searchParams.get('text')).toBe(message);
    expect(whatsAppUrl('x', 'kabag@jatimprov.go.id')).toBe('https://wa.me/?text=x');
  });
});
