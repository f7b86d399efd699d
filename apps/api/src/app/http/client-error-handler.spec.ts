import { clientErrorResponse } from './client-error-handler';

describe('clientErrorResponse', () => {
  it('answers oversized headers with a JSON 431', () => {
    const text = clientErrorResponse('HPE_HEADER_OVERFLOW');
    expect(text.startsWith('HTTP/1.1 431 Request Header Fields Too Large\r\n')).toBe(true);
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    expect(JSON.parse(body)).toEqual({ error: 'Request headers are too large' });
    expect(text).toContain(`Content-Length: ${Buffer.byteLength(body)}\r\n`);
  });

  it('answers other parse errors with a JSON 400', () => {
    expect(clientErrorResponse('HPE_INVALID_METHOD')).toContain(
      '{"error":"Malformed HTTP request"}',
    );
  });
});
