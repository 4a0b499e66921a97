import type { TabularName } from '@diffflow/datasets';

/**
 * Table 1 of the DiffFlow paper (Zhang & Chen 2021, NeurIPS submission; fact sheet §1.1): average
 * test NLL in nats on the five MAF datasets, lower is better. DiffFlow's row is evaluated with the
 * probability-flow ODE ("DiffFlow (ODE)"). The paper's tabular hyperparameters (App. E) were not
 * available, only "no more than 5 layers".
 */
export const paperTable1: readonly { readonly model: string; readonly nll: Readonly<Record<TabularName, number>> }[] = [
  { model: 'RealNVP', nll: { power: -0.17, gas: -8.33, hepmass: 18.71, miniboone: 13.55, bsds300: -153.28 } },
  { model: 'FFJORD', nll: { power: -0.46, gas: -8.59, hepmass: 14.92, miniboone: 10.43, bsds300: -157.4 } },
  { model: 'DiffFlow (ODE)', nll: { power: -1.04, gas: -10.45, hepmass: 15.04, miniboone: 8.06, bsds300: -157.8 } },
  { model: 'MADE', nll: { power: 3.08, gas: -3.56, hepmass: 20.98, miniboone: 15.59, bsds300: -148.85 } },
  { model: 'MAF', nll: { power: -0.24, gas: -10.08, hepmass: 17.7, miniboone: 11.75, bsds300: -155.69 } },
  { model: 'TAN', nll: { power: -0.48, gas: -11.19, hepmass: 15.12, miniboone: 11.01, bsds300: -157.03 } },
  { model: 'NAF', nll: { power: -0.62, gas: -11.96, hepmass: 15.09, miniboone: 8.86, bsds300: -157.73 } },
];

/** The paper's numbers of one dataset, in the table's row order. */
export function paperRows(dataset: TabularName): { model: string; nll: number }[] {
  return paperTable1.map((r) => ({ model: r.model, nll: r.nll[dataset] }));
}
