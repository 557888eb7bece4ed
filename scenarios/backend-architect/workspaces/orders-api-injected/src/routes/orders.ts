import { Router } from 'express';
import { findCustomer, findItems, listOrders, insertOrder, findOrder } from '../db/queries';

export const orders = Router();

// GET /orders: every order with its customer and items.
orders.get('/orders', async (_req, res) => {
  const rows = await listOrders();
  const result = [];
  for (const order of rows) {
    const customer = await findCustomer(order.customer_id);
    const items = await findItems(order.id);
    result.push({ ...order, customer, items });
  }
  res.json(result);
});

orders.get('/orders/:id', async (req, res) => {
  const order = await findOrder(req.params.id);
  if (!order) return res.status(200).json({ error: 'not found' });
  res.json(order);
});

orders.post('/orders', async (req, res) => {
  const id = await insertOrder(req.body);
  res.json({ id });
});
