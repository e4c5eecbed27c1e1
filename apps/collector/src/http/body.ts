import { IngestError } from '../ingest/errors';

/** What a content type promises about the body: one event, an array, or either. */
export type BodyShape = 'single' | 'batch' | 'either';

const SHAPES: Record<string, BodyShape> = {
  'application/json': 'either',
  'application/cloudevents+json': 'single',
  'application/cloudevents-batch+json': 'batch',
};

/** The media type without parameters (`; charset=utf-8`), lower-cased. */
function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** The shape a request's content type allows; 415 for any other type. */
export function shapeOf(
  contentType: string | undefined,
  allowed: Record<string, BodyShape> = SHAPES,
): BodyShape {
  const shape = allowed[mediaType(contentType)];
  if (!shape) {
    throw new IngestError(
      'unsupported',
      'UNSUPPORTED_MEDIA_TYPE',
      `content type must be one of ${Object.keys(allowed).join(', ')}`,
    );
  }
  return shape;
}

/** Parse the raw body as JSON and check it has the shape the content type promised. */
export function decodeBody(raw: unknown, shape: BodyShape): unknown {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
  if (text.length === 0) throw new IngestError('invalid', 'INVALID_JSON', 'the body is empty');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new IngestError('invalid', 'INVALID_JSON', `the body is not valid JSON: ${(err as Error).message}`);
  }
  if (shape === 'single' && Array.isArray(body)) {
    throw new IngestError(
      'invalid',
      'INVALID_BODY',
      'application/cloudevents+json takes one event; send arrays as application/cloudevents-batch+json',
    );
  }
  if (shape === 'batch' && !Array.isArray(body)) {
    throw new IngestError(
      'invalid',
      'INVALID_BODY',
      'application/cloudevents-batch+json takes an array of events',
    );
  }
  return body;
}

/** `Idempotency-Key`, as over the api service: 1-255 characters. */
export function checkIdempotencyKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 255) {
    throw new IngestError('invalid', 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 characters');
  }
  return key;
}
