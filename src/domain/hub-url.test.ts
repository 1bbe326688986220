import { describe, expect, it } from 'vitest';
import { isInsecureHubUrl, isLoopbackHost } from './hub-url.js';

describe('isInsecureHubUrl', () => {
  it.each<[string, boolean]>([
    ['https://flotilla.example.com', false],
    ['https://10.0.0.5:8443', false],
    ['http://127.0.0.1:8080', false],
    ['http://127.9.9.9', false],
    ['http://localhost:8080', false],
    ['http://hub.localhost', false],
    ['http://[::1]:8080', false],
    ['http://flotilla.example.com', true],
    ['http://flotilla-hub.flotilla.svc', true],
    ['http://10.0.0.5:8080', true],
    ['http://[fe80::1]', true],
    ['http://127.0.0.1.example.com', true],
    ['http://localhost.example.com', true],
    ['not a url', false],
  ])('%s → %s', (url, insecure) => expect(isInsecureHubUrl(url)).toBe(insecure));

  it('knows loopback spellings', () => {
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });
});
