import { describe, expect, it } from 'vitest';
import {
  colorsFor,
  createColors,
  csvField,
  displayWidth,
  formatLeaderboard,
  formatScore,
  formatTable,
  mdCell,
  sanitizeTerminal,
  shouldColor,
  stripAnsi,
} from '../../src/report/leaderboard.ts';
import { fixtureResult } from './fixture.ts';

const OPTS = { primaryMetric: 'accuracy', metricKeys: ['macro_f1', 'accuracy'] };

describe('colours', () => {
  it('colours only a TTY, and never with NO_COLOR set to a non-empty value', () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true); // no-color.org: empty means unset
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({}, {})).toBe(false);
    expect(shouldColor(undefined, {})).toBe(false);
  });

  it('returns plain text when disabled and SGR sequences when enabled', () => {
    expect(colorsFor({ isTTY: false }, {}).red('x')).toBe('x');
    expect(colorsFor({ isTTY: true }, { NO_COLOR: 'yes' }).bold('x')).toBe('x');
    expect(colorsFor({ isTTY: true }, {}).red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(createColors(true).bold('x')).toBe('\x1b[1mx\x1b[22m');
    expect(stripAnsi(createColors(true).green('ok'))).toBe('ok');
  });
});

describe('formatTable', () => {
  it('aligns columns with two spaces, a dashed rule, right-aligned where asked, no trailing spaces', () => {
    const out = formatTable(['name', 'score', 'note'], [['a', '1.5', ''], ['longer name', '10', 'x']], { align: ['left', 'right', 'left'] });
    expect(out).toBe(
      [
        'name         score  note', //
        '-----------  -----  ----',
        'a              1.5',
        'longer name     10  x',
      ].join('\n'),
    );
  });

  it('measures CJK and emoji as two columns and combining marks as none', () => {
    expect(displayWidth('名前')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('🚀x')).toBe(3);
    const out = formatTable(['who', 'n'], [['名前', '1'], ['abcde', '2']], { align: ['left', 'right'] });
    expect(out).toBe(['who    n', '-----  -', '名前   1', 'abcde  2'].join('\n'));
  });

  it('ignores colour sequences when measuring widths', () => {
    const c = createColors(true);
    const out = formatTable(['k', 'v'], [[c.red('ab'), '1'], ['abcd', '2']]);
    expect(stripAnsi(out)).toBe(['k     v', '----  -', 'ab    1', 'abcd  2'].join('\n'));
  });
});

describe('text helpers', () => {
  it('formats scores with 6 significant digits and no exponent for ordinary values', () => {
    expect(formatScore(0.9666666666666667)).toBe('0.966667');
    expect(formatScore(1234567.8)).toBe('1234570');
    expect(formatScore(12)).toBe('12');
    expect(formatScore(0.000123456789)).toBe('0.000123457');
    expect(formatScore(-0.5)).toBe('-0.5');
    expect(formatScore(Number.NaN)).toBe('NaN');
  });

  it('quotes CSV fields per RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('')).toBe('');
  });

  it('escapes Markdown cells: pipes, markup, HTML, line breaks, control characters', () => {
    expect(mdCell('a | b')).toBe('a \\| b');
    expect(mdCell('a\\|b')).toBe('a\\\\\\|b');
    expect(mdCell('<b>x</b>')).toBe('\\<b\\>x\\</b\\>');
    expect(mdCell('line1\nline2')).toBe('line1 line2');
    expect(mdCell('x_y*z`[1]')).toBe('x\\_y\\*z\\`\\[1\\]');
    expect(mdCell('esc\x1b')).toBe('esc\\\\u001b');
  });

  it('shows terminal control characters as escapes', () => {
    expect(sanitizeTerminal('dave\x1b[2J\r\n\t\x7f\x9b')).toBe('dave\\u001b[2J\\u000d\\u000a\\u0009\\u007f\\u009b');
    expect(sanitizeTerminal('naïve 名前')).toBe('naïve 名前');
  });
});

describe('formatLeaderboard', () => {
  it('table: ranks, short hashes, primary metric first, rewards, escaped errors', () => {
    const out = formatLeaderboard(fixtureResult(), 'table', OPTS);
    // prettier-ignore
    expect(out).toBe([
      'rank  participant                submission    status     accuracy  macro_f1  reward  error',
      '----  -------------------------  ------------  ---------  --------  --------  ------  ---------------------------------------------------------------------------------------------------',
      '   1  alice                      a1a1a1a1a1a1  scored     0.966667  0.966583     600',
      '   2  carol | "the, best"        b2b2b2b2b2b2  scored     0.933333   0.93266     400',
      '   3  <script>alert(1)</script>  c3c3c3c3c3c3  scored          0.5      0.25       0',
      '   -  mallory                    d4d4d4d4d4d4  failed                                 E_MODEL_CONTRACT expected input \'X\' float32 [batch,4], found "><img src=x onerror="window.__xss=1">',
      '   -  dave\\u001b[2J              e5e5e5e5e5e5  duplicate                              E_DUPLICATE same bytes as a1a1a1a1a1a1',
    ].join('\n'));
  });

  it('table with colours keeps the same layout once the colours are stripped', () => {
    const plain = formatLeaderboard(fixtureResult(), 'table', OPTS);
    const coloured = formatLeaderboard(fixtureResult(), 'table', { ...OPTS, colors: createColors(true) });
    expect(coloured).not.toBe(plain);
    expect(coloured).toContain('\x1b[31mE_MODEL_CONTRACT\x1b[39m');
    expect(stripAnsi(coloured)).toBe(plain);
  });

  it('omits the reward column when no row has a reward', () => {
    const r = fixtureResult();
    for (const row of r.rows) delete row.reward;
    const out = formatLeaderboard({ ...r, rows: r.rows.slice(0, 1) }, 'table', { primaryMetric: 'accuracy', metricKeys: [] });
    expect(out).toBe(['rank  participant  submission    status  accuracy', '----  -----------  ------------  ------  --------', '   1  alice        a1a1a1a1a1a1  scored  0.966667'].join('\n'));
  });

  it('csv: RFC 4180 quoting, CRLF, full hashes and full-precision numbers', () => {
    const out = formatLeaderboard(fixtureResult(), 'csv', OPTS);
    const A = 'a1'.repeat(32), B = 'b2'.repeat(32), C = 'c3'.repeat(32), D = 'd4'.repeat(32), E = 'e5'.repeat(32);
    // prettier-ignore
    expect(out).toBe([
      'rank,participant,submission,status,accuracy,macro_f1,reward,error_code,error_message',
      `1,alice,${A},scored,0.9666666666666667,0.9665831244778613,600,,`,
      `2,"carol | ""the, best""",${B},scored,0.9333333333333333,0.9326599326599326,400,,`,
      `3,<script>alert(1)</script>,${C},scored,0.5,0.25,0,,`,
      `,mallory,${D},failed,,,,E_MODEL_CONTRACT,"expected input 'X' float32 [batch,4], found ""><img src=x onerror=""window.__xss=1"">"`,
      `,dave\\u001b[2J,${E},duplicate,,,,E_DUPLICATE,same bytes as a1a1a1a1a1a1`, // control characters shown as escapes (docs/security.md)
      '',
    ].join('\r\n'));
  });

  it('md: a GFM table with pipes and markup escaped', () => {
    const out = formatLeaderboard(fixtureResult(), 'md', OPTS);
    // prettier-ignore
    expect(out).toBe([
      '| rank | participant | submission | status | accuracy | macro\\_f1 | reward | error |',
      '| ---: | --- | --- | --- | ---: | ---: | ---: | --- |',
      '| 1 | alice | a1a1a1a1a1a1 | scored | 0.966667 | 0.966583 | 600 |  |',
      '| 2 | carol \\| "the, best" | b2b2b2b2b2b2 | scored | 0.933333 | 0.93266 | 400 |  |',
      '| 3 | \\<script\\>alert(1)\\</script\\> | c3c3c3c3c3c3 | scored | 0.5 | 0.25 | 0 |  |',
      '|  | mallory | d4d4d4d4d4d4 | failed |  |  |  | E\\_MODEL\\_CONTRACT: expected input \'X\' float32 \\[batch,4\\], found "\\>\\<img src=x onerror="window.\\_\\_xss=1"\\> |',
      '|  | dave\\\\u001b\\[2J | e5e5e5e5e5e5 | duplicate |  |  |  | E\\_DUPLICATE: same bytes as a1a1a1a1a1a1 |',
      '',
    ].join('\n'));
    // every data line has exactly as many unescaped pipes as the header
    const pipes = (l: string) => (l.match(/(?<!\\)\|/g) ?? []).length;
    const lines = out.trimEnd().split('\n');
    for (const l of lines) expect(pipes(l)).toBe(pipes(lines[0]));
  });

  it('json: the result itself, parseable and byte-stable', () => {
    const out = formatLeaderboard(fixtureResult(), 'json', OPTS);
    expect(JSON.parse(out)).toEqual(fixtureResult());
    expect(out.endsWith('}\n')).toBe(true);
    expect(formatLeaderboard(fixtureResult(), 'json', OPTS)).toBe(out);
  });
});
