import { InvalidInputError } from '../../domain/errors.js';
import { nestsDeeperThan } from '../../domain/json-depth.js';
import { unpairedSurrogateIn } from '../../domain/unicode.js';
import { toErrorBody } from './http-error.filter.js';

/**
 * How deep a JSON request body may nest. The deepest bodies the API takes (inline Helm values, a
 * Kubernetes object to judge) nest a few dozen levels at most; validation walks a body
 * recursively, so one nested thousands of levels deep answered 500 on any route.
 */
export const MAX_BODY_DEPTH = 64;

interface Req {
  body?: unknown;
}
interface Res {
  status(code: number): Res;
  setHeader(name: string, value: string): void;
  json(body: unknown): void;
}

/**
 * Express middleware, after the JSON body parser: a body nested too deep is a 400, and so is one
 * with a string that is not well-formed Unicode (a `\ud800` escape without its other half), which
 * would otherwise reach PostgreSQL and fail there, as a 500, or be stored altered.
 */
export function jsonBodyChecks(max = MAX_BODY_DEPTH) {
  return (req: Req, res: Res, next: () => void): void => {
    if (req.body === undefined) return next();
    const refuse = (message: string) => {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.status(400).json(toErrorBody(new InvalidInputError(message)));
    };
    if (nestsDeeperThan(req.body, max)) return refuse(`request body nests deeper than ${max} levels`);
    const unpaired = unpairedSurrogateIn(req.body);
    if (unpaired !== null)
      return refuse(
        `request body: ${unpaired} is not valid Unicode (a UTF-16 surrogate without its other half)`,
      );
    next();
  };
}
