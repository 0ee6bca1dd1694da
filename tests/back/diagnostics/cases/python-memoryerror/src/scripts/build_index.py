def build_index(pages):
    # One slot per possible word id: far more than fits in memory.
    slots = [None] * (pages * 10**12)
    return slots


if __name__ == "__main__":
    print("building the search index")
    build_index(4)
