import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

const PLACEHOLDER = /\{[^}]*\}?/g;
const LITERAL = /^[A-Za-z0-9._/#-]*$/;

/**
 * Why a document number format is unusable, or null. The sequence must appear exactly once
 * ({SEQ}, or {SEQ:n} zero-padded to n digits, n 1-20), {YYYY} at most once, and the rest is
 * letters, digits and `. _ / # -`, so every number is one token a person can copy.
 */
export function numberFormatProblem(v: unknown): string | null {
  if (typeof v !== 'string') return 'must be a string';
  if (v.length < 1 || v.length > 64) return 'must be 1 to 64 characters';
  const placeholders = v.match(PLACEHOLDER) ?? [];
  let seq = 0;
  let year = 0;
  for (const p of placeholders) {
    if (p === '{YYYY}') year++;
    else if (/^\{SEQ(?::([1-9]|1[0-9]|20))?\}$/.test(p)) seq++;
    else return `${p} is not a placeholder: use {YYYY}, {SEQ} or {SEQ:n} with n from 1 to 20`;
  }
  if (seq !== 1) return 'must contain the sequence exactly once, as {SEQ} or {SEQ:n}';
  if (year > 1) return 'may contain {YYYY} only once';
  const literal = v.replace(PLACEHOLDER, '');
  if (!LITERAL.test(literal))
    return 'may contain only letters, digits and . _ / # - besides the placeholders';
  return null;
}

/** A document number format (see numberFormatProblem); the message says which rule it breaks. */
export function IsNumberFormat(options?: ValidationOptions) {
  return (target: object, propertyName: string): void => {
    registerDecorator({
      name: 'isNumberFormat',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (v: unknown) => numberFormatProblem(v) === null,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? propertyName} ${numberFormatProblem(args?.value) ?? 'is invalid'}`,
      },
    });
  };
}
