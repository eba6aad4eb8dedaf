import { describe, expect, it } from 'vitest';
import { inertText } from '../../../src/core/inert-text.js';

describe('inertText: text from AWS or a fleet made inert for a terminal', () => {
  it('shows ESC sequences, C0 and C1 controls, DEL and bidi overrides as their \\u escapes', () => {
    expect(inertText('\u001b[2J\u001b[H\u001b[32mALL SERVERS HEALTHY')).toBe(
      '\\u001b[2J\\u001b[H\\u001b[32mALL SERVERS HEALTHY',
    );
    expect(inertText('a\u0007b\u007fc\u009bd\u202ee\u2066f\u200fg\rh')).toBe(
      'a\\u0007b\\u007fc\\u009bd\\u202ee\\u2066f\\u200fg\\u000dh',
    );
  });

  it('keeps newlines and tabs of a message, but not on one line', () => {
    expect(inertText('a\n\tb')).toBe('a\n\tb');
    expect(inertText('a\n\tb', { newlines: false })).toBe('a\\u000a\\u0009b');
  });

  it('leaves ordinary text alone (accents, CJK, emoji) and keeps JSON valid and equal', () => {
    expect(inertText('café 東京 🚀 {"a":1}')).toBe('café 東京 🚀 {"a":1}');
    const value = { hostname: 'web\u009b2J\u202e\u0085' };
    const json = JSON.stringify(value);
    expect(JSON.parse(inertText(json))).toEqual(value);
    expect(inertText(json)).not.toMatch(/[\u0080-\u009f\u202e]/);
  });
});
