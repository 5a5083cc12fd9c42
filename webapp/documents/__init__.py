"""PDF documents the portals hand to taxpayers: payment certificates (税收完税证明) and bank-counter
payment vouchers (银行端查询缴款凭证). Built with reportlab and its built-in Chinese CID font, so
nothing is fetched and no font file ships; callers pass values already masked."""
