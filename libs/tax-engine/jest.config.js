module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'tax-engine',
  rootDir: __dirname,
};
