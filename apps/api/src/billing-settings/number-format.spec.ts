import { numberFormatProblem } from './number-format';

describe('document number formats', () => {
  it.each(['MU-{YYYY}-{SEQ:6}', '{SEQ}', 'INV/{YYYY}/{SEQ:20}', 'A.{SEQ:1}#', 'CN_{YYYY}{SEQ:4}'])(
    'accepts %s',
    (f) => {
      expect(numberFormatProblem(f)).toBeNull();
    },
  );

  it.each([
    ['INV-{YYYY}', 'must contain the sequence exactly once, as {SEQ} or {SEQ:n}'],
    ['{SEQ}-{SEQ:3}', 'must contain the sequence exactly once, as {SEQ} or {SEQ:n}'],
    ['{SEQ:0}', '{SEQ:0} is not a placeholder: use {YYYY}, {SEQ} or {SEQ:n} with n from 1 to 20'],
    ['{SEQ:21}', '{SEQ:21} is not a placeholder: use {YYYY}, {SEQ} or {SEQ:n} with n from 1 to 20'],
    ['{YY}-{SEQ}', '{YY} is not a placeholder: use {YYYY}, {SEQ} or {SEQ:n} with n from 1 to 20'],
    ['{SEQ', '{SEQ is not a placeholder: use {YYYY}, {SEQ} or {SEQ:n} with n from 1 to 20'],
    ['{YYYY}{YYYY}{SEQ}', 'may contain {YYYY} only once'],
    ['INV {SEQ}', 'may contain only letters, digits and . _ / # - besides the placeholders'],
    ['INV-{SEQ}}', 'may contain only letters, digits and . _ / # - besides the placeholders'],
    ['', 'must be 1 to 64 characters'],
    [`${'X'.repeat(60)}{SEQ}`, 'must be 1 to 64 characters'],
    [42, 'must be a string'],
  ])('refuses %j: %s', (f, problem) => {
    expect(numberFormatProblem(f)).toBe(problem);
  });
});
