import { describe as suite, expect, it } from 'vitest';
import { describe, errorCodeOf, errorNameOf, messageOf } from './describe';

suite('describe', () => {
  it('reads `Name: message`, with known details in parentheses, and anything else as a string', () => {
    const error = Object.assign(new Error('gone'), { name: 'RestError' });
    expect(describe(error)).toBe('RestError: gone');
    expect(describe(error, [404, 'ResourceGroupNotFound'])).toBe('RestError (404 ResourceGroupNotFound): gone');
    expect(describe(error, [undefined, ''])).toBe('RestError: gone');
    expect(describe('plain')).toBe('plain');
    expect(describe(42)).toBe('42');
  });

  it('reads the message, name and code of errors and error-like values', () => {
    expect(messageOf(new TypeError('bad'))).toBe('bad');
    expect(messageOf(undefined)).toBe('undefined');
    expect(errorNameOf({ name: 'ThrottlingException' })).toBe('ThrottlingException');
    expect(errorNameOf(null)).toBeUndefined();
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errorCodeOf({ code: 5 })).toBeUndefined();
  });
});
