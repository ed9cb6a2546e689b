print("cedar-bench: not built yet")
