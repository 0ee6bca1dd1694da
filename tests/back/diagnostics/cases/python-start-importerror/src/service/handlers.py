from service.models import Order, Invoice


def handle(order_id):
    return Order(order_id)
