import http.server

from service.handlers import handle


def main():
    print("service starting on :8000")
    http.server.HTTPServer(("", 8000), http.server.BaseHTTPRequestHandler).serve_forever()


if __name__ == "__main__":
    main()
