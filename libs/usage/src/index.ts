export * from './writer/usage-writer';
export * from './query';
