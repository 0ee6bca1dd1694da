class Order:
    def __init__(self, order_id):
        self.order_id = order_id
