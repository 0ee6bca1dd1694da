from app.settings import database_url


def connect():
    url = database_url("config/settings.json")
    print("connecting to", url)


def main():
    print("starting worker")
    connect()


if __name__ == "__main__":
    main()
