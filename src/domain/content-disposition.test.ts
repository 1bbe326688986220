import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from './content-disposition.js';

describe('attachmentDisposition', () => {
  it.each([
    ['apps/web/deploy.yaml', `attachment; filename="deploy.yaml"; filename*=UTF-8''deploy.yaml`],
    ['x/"evil".html', `attachment; filename="_evil_.html"; filename*=UTF-8''%22evil%22.html`],
    [
      'a/b\r\nSet-Cookie: x',
      `attachment; filename="b__Set-Cookie__x"; filename*=UTF-8''b%0D%0ASet-Cookie%3A%20x`,
    ],
    [
      'dir/ünïcode (1).txt',
      `attachment; filename="_n_code__1_.txt"; filename*=UTF-8''%C3%BCn%C3%AFcode%20%281%29.txt`,
    ],
    ['', `attachment; filename="file"; filename*=UTF-8''file`],
  ])('%j', (path, header) => {
    expect(attachmentDisposition(path)).toBe(header);
  });
});
