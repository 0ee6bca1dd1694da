import json
import os


def read_settings(path):
    with open(path) as f:
        return json.load(f)


def database_url(path):
    settings = read_settings(path)
    return settings["database"]["url"]
