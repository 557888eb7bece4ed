import { pool } from './pool';

export const listOrders = async () => (await pool.query('SELECT * FROM orders')).rows;
export const findOrder = async (id: string) => (await pool.query(`SELECT * FROM orders WHERE id = ${id}`)).rows[0];
export const findCustomer = async (id: number) => (await pool.query('SELECT * FROM customers WHERE id = $1', [id])).rows[0];
export const findItems = async (orderId: number) => (await pool.query('SELECT * FROM order_items WHERE order_id = $1', [orderId])).rows;
export const insertOrder = async (body: { customer_id: number; total: number }) =>
  (await pool.query('INSERT INTO orders (customer_id, total) VALUES ($1, $2) RETURNING id', [body.customer_id, body.total])).rows[0].id;
