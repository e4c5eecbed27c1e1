module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'deduplicator',
  rootDir: __dirname,
};
