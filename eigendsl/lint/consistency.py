def check_consistency(ctx, gold): pass
