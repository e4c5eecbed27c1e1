module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'tax',
  rootDir: __dirname,
};
