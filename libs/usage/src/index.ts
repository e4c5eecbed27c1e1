export * from './writer/usage-writer';
export * from './query';
export * from './meters/meter-catalog';
export * from './writer/rows';
export * from './writer/corrections';
