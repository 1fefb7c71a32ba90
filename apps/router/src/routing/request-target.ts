/** A request target the router will not forward: absolute-form, traversal, ambiguous encodings. */
export class InvalidRequestTarget extends Error {
  override readonly name = 'InvalidRequestTarget';
}

export interface RequestTarget {
  /** The path as received (already checked), without the query. */
  path: string;
  /** Path and query, exactly as forwarded. */
  pathAndQuery: string;
  /** The account a `/v1/accounts/:id…` path is about, decoded. */
  accountId?: string;
}

const ACCOUNT_PATH = /^\/v1\/accounts\/([^/]+)/;
const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
/** Characters that need a closer look: percent-encodings, dots, backslashes. */
const SUSPICIOUS = /[%.\\]/;

/**
 * Checks a request target before anything is routed on it. Only origin-form
 * (`/path?query`) is accepted. A path segment that is `.` or `..` (however it
 * is encoded) or that decodes to `/`, `\`, `%` or a control character is
 * refused: different servers resolve those differently, which is how
 * traversal and routing confusion get past a proxy. The geode API never
 * needs them.
 */
export function parseRequestTarget(url: string): RequestTarget {
  if (url.charCodeAt(0) !== 0x2f /* / */)
    throw new InvalidRequestTarget(
      url === '*'
        ? 'the asterisk request target is not served'
        : 'request target must be a path (absolute-form and authority-form are not accepted)',
    );
  if (url.charCodeAt(1) === 0x2f)
    throw new InvalidRequestTarget('request path must not start with "//"');
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (url.includes('#')) throw new InvalidRequestTarget('request target must not carry a fragment');
  if (SUSPICIOUS.test(path)) checkSegments(path);
  const account = ACCOUNT_PATH.exec(path);
  const accountId = account ? decodeSegment(account[1]) : undefined;
  return {
    path,
    pathAndQuery: url,
    accountId: accountId !== undefined && ENTITY_ID.test(accountId) ? accountId : undefined,
  };
}

function checkSegments(path: string): void {
  if (path.includes('\\')) throw new InvalidRequestTarget('request path must not contain "\\"');
  for (const segment of path.split('/')) {
    const decoded = decodeSegment(segment);
    if (decoded === '.' || decoded === '..')
      throw new InvalidRequestTarget('request path must not contain "." or ".." segments');
    if (decoded !== segment && hasForbiddenDecoded(decoded))
      throw new InvalidRequestTarget(
        'request path must not encode "/", "\\", "%" or control characters',
      );
  }
}

/** `/`, `\`, `%` (double encoding) or a control character, once decoded. */
function hasForbiddenDecoded(decoded: string): boolean {
  for (let index = 0; index < decoded.length; index++) {
    const code = decoded.charCodeAt(index);
    if (code < 0x20 || code === 0x7f || code === 0x2f || code === 0x5c || code === 0x25)
      return true;
  }
  return false;
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    throw new InvalidRequestTarget('request path has a malformed percent-encoding', {
      cause: error,
    });
  }
}
