"""Excel (openpyxl) adapters: workbooks in and out of the gateway, translated to and from the
domain's objects. Imports the domain and openpyxl only."""
