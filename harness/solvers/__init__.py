"""One module per task kind: ``capable(model)``, ``texts(task, ctx, cell)``, ``solve(...)``."""
