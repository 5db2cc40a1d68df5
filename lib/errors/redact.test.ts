import { describe, expect, it } from 'vitest';
import { redact, redactCredentials } from './redact';

const SECRET = 'cb-secret-Zx9q7-DO-NOT-LEAK';
const RUN_ID = '1a2b3c4d-0000-4000-8000-00000000abcd';
const SAS_URL = `https://fbplans.blob.core.windows.net/plans/${RUN_ID}.json?sv=2024-11-04&se=2030-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=c2FzLXNpZ25hdHVyZQ%3D%3D`;

describe('redact', () => {
  it('replaces every occurrence of every secret, and nothing else', () => {
    expect(redact(`key ${SECRET} and again ${SECRET}; url https://x/y?a=b`, [SECRET, ''])).toBe('key [redacted] and again [redacted]; url https://x/y?a=b');
    expect(redact('nothing to hide', [])).toBe('nothing to hide');
  });
});

describe('redactCredentials', () => {
  it('blanks secrets and presigned query strings', () => {
    const text = `failed ${SECRET} at 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=deadbeef' done`;
    const out = redactCredentials(text, [SECRET]);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain('deadbeef');
    expect(out).not.toContain('AK%2F1');
    expect(out).toContain('https://b.s3.amazonaws.com/k?[redacted]');
  });

  it('blanks query strings of any URL and the given secrets', () => {
    expect(redactCredentials(`get ${SAS_URL} failed; secret ${SECRET}`, [SECRET])).toBe(
      `get https://fbplans.blob.core.windows.net/plans/${RUN_ID}.json?[redacted] failed; secret [redacted]`,
    );
  });

  it('blanks signatures and account keys outside URLs', () => {
    const out = redactCredentials('X-Amz-Signature=abc&X-Amz-Security-Token=tok sig=s1g DefaultEndpointsProtocol=https;AccountName=fb;AccountKey=a2V5PT0=;EndpointSuffix=core');
    expect(out).toBe('X-Amz-Signature=[redacted]&X-Amz-Security-Token=[redacted] sig=[redacted] DefaultEndpointsProtocol=https;AccountName=fb;AccountKey=[redacted];EndpointSuffix=core');
  });
});
