module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'invoice-pdf',
  rootDir: __dirname,
};
