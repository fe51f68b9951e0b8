// Golden values for the text metrics, from the reference implementations' own test suites:
//  - BLEU: sacrebleu test/test_bleu.py (README example 48.530827; tokenize none 49.1919566;
//    empty hypotheses 0.0; n-gram statistics of "am I am a character sequence").
//  - chrF: sacrebleu test/test_chrf.py (beta 3, eps smoothing on and off; sentence-level chrF2).
//  - ROUGE-L: rouge-score rouge_scorer_test.py (testRougeLNonConsecutive; values vs ROUGE-1.5.5
//    on testdata/target.txt and prediction.txt, 5 places).
//  - exact match / token F1: the SQuAD v1.1 evaluate script functions run in Python 3.11.
import { describe, expect, it } from 'vitest';
import { tokenize13a } from '../../../scoring/metrics/generation.ts';
import { squadNormalize } from '../../../scoring/text-utils.ts';
import { close, run, texts } from './run.ts';

const REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const byRow = (streams: string[][]) => streams[0].map((_, i) => streams.map((s) => s[i]));

describe('bleu (sacrebleu)', () => {
  it('README example: 48.530827 (13a), 49.1919566 (tokenize none), smooth none 48.530827', () => {
    expect(Math.abs(run('bleu', texts(HYPS, byRow(REFS))).value - 48.530827)).toBeLessThan(1e-6);
    expect(Math.abs(run('bleu', texts(HYPS, byRow(REFS)), { tokenize: 'none' }).value - 49.1919566)).toBeLessThan(1e-6);
    expect(Math.abs(run('bleu', texts(HYPS, byRow(REFS)), { smooth: 'none' }).value - 48.530827)).toBeLessThan(1e-6);
  });
  it('empty hypotheses are scored 0, not dropped', () => {
    expect(run('bleu', texts(['', '', ''], byRow(REFS))).value).toBe(0);
  });
  it('statistics: counts [4,2,1,0], totals [6,5,4,3]', () => {
    const r = run('bleu', texts(['am I am a character sequence'], [['I am a symbol string sequence a a']]));
    expect(r.extras!.counts).toEqual([4, 2, 1, 0]);
    expect(r.extras!.totals).toEqual([6, 5, 4, 3]);
  });
  it('13a tokenisation', () => {
    expect(tokenize13a("It wasn't surprising.")).toBe("It wasn't surprising ."); // 0x27 is outside 13a's classes
    expect(tokenize13a('3.5 million, 1,000 and 5-6 &amp; more')).toBe('3.5 million , 1,000 and 5 - 6 & more');
  });
});

describe('chrf (sacrebleu)', () => {
  const eff: Array<[string[], string[], number]> = [
    [['a'], ['a'], 100],
    [['a b c'], ['a b c'], 100],
    [['a b c'], ['abc'], 100],
    [['a', 'b'], ['a', 'c'], 50],
    [['aa'], ['ab'], 25],
    [[''], ['reference'], 0],
  ];
  it('effective-order mode (the default), beta 3', () => {
    for (const [h, r, want] of eff) expect(Math.abs(run('chrf', texts(h, r.map((x) => [x])), { beta: 3 }).value - want)).toBeLessThan(1e-4);
  });
  const epsCases: Array<[string, string, number]> = [
    ['aa', 'ab', 8.3333],
    ['a', 'a', 16.6667],
    ['a b c', 'a b c', 50],
    [' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .', 'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .', 63.36173],
    [' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. ', 'Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.', 64.1302698],
    ['Niemand hat die Absicht, eine Mauer zu errichten', 'Niemand hat die Absicht, eine Mauer zu errichten', 100],
  ];
  it('eps smoothing, beta 3', () => {
    for (const [h, r, want] of epsCases) expect(Math.abs(run('chrf', texts([h], [[r]]), { beta: 3, epsSmoothing: true }).value - want)).toBeLessThan(1e-4);
  });
  it('sentence-level chrF2 with eps smoothing (Czech examples)', () => {
    const cases: Array<[string, string, number]> = [
      ['Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.', 'Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.', 39.14078509],
      ['Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.', 'A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.', 31.22557079],
      ['Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.', 'Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.', 57.15704367],
    ];
    for (const [h, r, want] of cases) expect(Math.abs(run('chrf', texts([h], [[r]]), { epsSmoothing: true }).value - want)).toBeLessThan(1e-4);
  });
});

describe('rouge_l (rouge-score)', () => {
  it('"testing one two" vs "testing two": F = 0.8; empty prediction 0', () => {
    close(run('rouge_l', texts(['testing two'], [['testing one two']])).value, 0.8);
    expect(run('rouge_l', texts([''], [['testing one two']])).value).toBe(0);
  });
  it('against ROUGE-1.5.5 (testdata lines 0 and 1): F 0.51163 and 0.50000', () => {
    const targets = [
      "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n",
      "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n",
    ];
    const predictions = [
      "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n",
      "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n",
    ];
    expect(Math.abs(run('rouge_l', texts([predictions[0]], [[targets[0]]])).value - 0.51163)).toBeLessThan(5e-6);
    expect(Math.abs(run('rouge_l', texts([predictions[1]], [[targets[1]]])).value - 0.5)).toBeLessThan(5e-6);
  });
});

describe('exact_match / token_f1 (SQuAD v1.1 script)', () => {
  const preds = ['The Eiffel Tower!', 'in 1889', 'Paris, France', "Gustave   Eiffel's company", '', 'an apple a day', 'Théâtre   du Châtelet', 'the_the thé'];
  const refs = [['Eiffel Tower'], ['1889', 'in the year 1889'], ['Paris'], ['Compagnie des Établissements Eiffel', 'Gustave Eiffel'], ['nothing'], ['apple day'], ['théâtre du châtelet'], ['the_the thé']];
  it('normalize_answer', () => {
    expect(preds.map(squadNormalize)).toEqual(['eiffel tower', 'in 1889', 'paris france', 'gustave eiffels company', '', 'apple day', 'théâtre du châtelet', 'thethe thé']);
  });
  it('EM 0.5, F1 0.7333333333333334 (per row F1 [1, 0.8, 0.666.., 0.4, 0, 1, 1, 1])', () => {
    expect(run('exact_match', texts(preds, refs)).value).toBe(0.5);
    close(run('token_f1', texts(preds, refs)).value, 0.7333333333333334);
    expect(run('exact_match', texts(['The Eiffel Tower!'], [['Eiffel Tower']]), { normalize: 'none' }).value).toBe(0);
  });
  it('rows without a reference are an error', () => {
    expect(() => run('exact_match', texts(['x'], [[]]))).toThrow(/has no reference/);
    expect(() => run('bleu', texts(['x'], [['']]))).toThrow(/has no non-empty reference/);
  });
});
